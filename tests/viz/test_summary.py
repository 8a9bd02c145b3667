"""summary(model, input_shape): LeNet-5's shapes, parameters and multiply-adds, worked
out by hand, and torchinfo's layout of the table."""

import pytest

import reseau
from reseau import nn
from reseau.models import lenet5
from reseau.viz import summary
from reseau.viz.summary import trace

# LeNet-5 on one 1x28x28 digit, by hand:
#   conv 0: 6 filters 1x5x5 + 6 biases = 156 params; pad 2 keeps 28x28;
#           mult-adds (torchinfo's count) = 156 * 28 * 28 = 122,304
#   pool 2: 28 -> 14
#   conv 3: 16 * 6*5*5 + 16 = 2,416 params; 14 - 5 + 1 = 10: 2,416 * 10 * 10 = 241,600
#   pool 5: 10 -> 5; flatten: 16 * 5 * 5 = 400
#   linear 7: 400*120 + 120 = 48,120 = its mult-adds for a batch of 1
#   linear 9: 120*84 + 84 = 10,164; linear 11: 84*10 + 10 = 850
#   total params 61,706; mult-adds 122,304 + 241,600 + 48,120 + 10,164 + 850 = 423,038
LENET = [
    ("0", "Conv2d", (1, 6, 28, 28), 156, 122_304),
    ("1", "ReLU", (1, 6, 28, 28), 0, 0),
    ("2", "MaxPool2d", (1, 6, 14, 14), 0, 0),
    ("3", "Conv2d", (1, 16, 10, 10), 2_416, 241_600),
    ("4", "ReLU", (1, 16, 10, 10), 0, 0),
    ("5", "MaxPool2d", (1, 16, 5, 5), 0, 0),
    ("6", "Flatten", (1, 400), 0, 0),
    ("7", "Linear", (1, 120), 48_120, 48_120),
    ("8", "ReLU", (1, 120), 0, 0),
    ("9", "Linear", (1, 84), 10_164, 10_164),
    ("10", "ReLU", (1, 84), 0, 0),
    ("11", "Linear", (1, 10), 850, 850),
]


def test_lenet5_layer_by_layer():
    s = summary(lenet5(), (1, 1, 28, 28))
    assert s.rows[0].kind == "Sequential" and s.rows[0].output_shape == (1, 10)
    got = [(r.name, r.kind, r.output_shape, r.params, r.mult_adds) for r in s.rows[1:]]
    assert got == LENET
    assert (s.total_params, s.trainable_params, s.total_mult_adds) == (61_706, 61_706, 423_038)


def test_batch_size_multiplies_the_mult_adds_not_the_parameters():
    s = summary(lenet5(), (8, 1, 28, 28))
    assert s.layer("0").output_shape == (8, 6, 28, 28)
    assert s.layer("0").mult_adds == 8 * 122_304 and s.layer("0").params == 156
    assert s.total_mult_adds == 8 * 423_038 and s.total_params == 61_706


def test_the_printed_table_is_torchinfos():
    text = str(summary(lenet5(), (1, 1, 28, 28)))
    lines = text.splitlines()
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#",
                                "Mult-Adds"]
    assert lines[3].startswith("Sequential") and "[1, 10]" in lines[3]
    assert lines[4].split() == ["├─Conv2d:", "1-1", "[1,", "6,", "28,", "28]", "156",
                                "122,304"]
    assert lines[5].split() == ["├─ReLU:", "1-2", "[1,", "6,", "28,", "28]", "--", "--"]
    for needle in ("Total params: 61,706", "Trainable params: 61,706",
                   "Non-trainable params: 0", "Total mult-adds (M): 0.42",
                   "Params size (MB): 0.25"):   # 61,706 float32 = 246,824 bytes
        assert needle in lines
    assert repr(summary(lenet5(), (1, 1, 28, 28))) == text


def test_nested_containers_are_indented_with_their_depth_index():
    net = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    s = summary(net, (5, 4))
    assert [(r.name, r.depth, r.index) for r in s.rows] == [
        ("", 0, 1), ("0", 1, 1), ("1", 1, 2), ("1.0", 2, 1), ("1.1", 2, 2)]
    text = str(s)
    assert "│    └─Linear: 2-2" in text and "├─Sequential: 1-2" in text
    assert s.layer("1.1").mult_adds == 5 * (3 * 2 + 2)
    with pytest.raises(KeyError, match="no layer named 'x'"):
        s.layer("x")


def test_trace_leaves_the_model_as_it_was():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    rows = trace(net, reseau.ones(1, 2))
    assert [r.kind for r in rows] == ["Sequential", "Linear", "Dropout"]
    assert net.training and "forward" not in vars(net[0])
    with pytest.raises(ValueError, match="summary: input_shape"):
        summary(net, (0, 2))
