"""Image augmentation: shapes and dtypes kept, reproducible draws, identities, and the
values of shifts, crops, rotations and normalisation against hand-computed ones."""

import numpy as np
import pytest

import reseau
from reseau.data import DataLoader, TensorDataset
from reseau.data.augmentation import (
    Compose, Normalize, RandomCrop, RandomRotation, RandomShift, TransformedDataset, rotate,
    shift,
)

GRID = np.arange(25, dtype=np.float32).reshape(1, 5, 5)   # one 5x5 image, values 0..24


def batch(n=6, dtype=np.float32):
    return np.random.default_rng(0).random((n, 1, 8, 8)).astype(dtype)


RANDOM = {
    "shift": lambda g: RandomShift(2, generator=g),
    "crop": lambda g: RandomCrop(8, padding=3, generator=g),
    "rotation": lambda g: RandomRotation(15, generator=g),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_are_kept_for_arrays_and_tensors(name, dtype):
    x = batch(dtype=dtype)
    out = RANDOM[name](0)(x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == dtype
    t = RANDOM[name](0)(reseau.tensor(x))
    assert isinstance(t, reseau.Tensor) and t.shape == x.shape and t.dtype == dtype
    assert not t.requires_grad
    np.testing.assert_array_equal(t.numpy(), out)  # same seed, same draws
    single = RANDOM[name](0)(x[0])                  # one image (C, H, W)
    assert single.shape == x[0].shape


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_a_seeded_generator_reproduces_the_draws(name):
    x = batch()
    a, b = RANDOM[name](7), RANDOM[name](7)
    first = a(x)
    np.testing.assert_array_equal(first, b(x))
    assert not np.array_equal(first, a(x))  # the next call draws new values
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(RANDOM[name](g1)(x), RANDOM[name](g2)(x))


def test_each_image_of_a_batch_gets_its_own_draw():
    x = np.repeat(GRID[None], 20, axis=0)
    out = RandomShift(2, generator=0)(x)
    assert len({o.tobytes() for o in out}) > 5


def test_zero_shift_and_zero_rotation_are_the_identity():
    x = batch()
    np.testing.assert_array_equal(RandomShift(0, generator=0)(x), x)
    np.testing.assert_array_equal(shift(x, 0, 0), x)
    np.testing.assert_array_equal(RandomRotation(0, generator=0)(x), x)
    np.testing.assert_array_equal(rotate(x, 0.0), x)
    np.testing.assert_array_equal(RandomCrop(8, padding=0, generator=0)(x), x)


def test_shift_moves_pixels_and_fills_the_edge():
    out = shift(GRID, 1, -2, fill=-1.0)[0]  # one down, two left: out[i, j] = in[i-1, j+2]
    expected = np.full((5, 5), -1.0)
    expected[1:, :3] = GRID[0, :4, 2:]
    np.testing.assert_array_equal(out, expected)
    assert out[1, 0] == 2.0 and out[4, 2] == 19.0  # in[0, 2] and in[3, 4]


def test_random_shift_is_one_of_the_allowed_shifts():
    out = RandomShift(1, generator=5)(np.repeat(GRID[None], 10, axis=0))
    for img in out:
        assert any(np.array_equal(img, shift(GRID, dy, dx)) for dy in (-1, 0, 1)
                   for dx in (-1, 0, 1))


def test_random_crop_cuts_a_window_of_the_padded_image():
    out = RandomCrop((2, 3), generator=0)(GRID)
    assert out.shape == (1, 2, 3)
    # the window is a block of consecutive rows and columns of the image
    top, left = divmod(int(out[0, 0, 0]), 5)
    np.testing.assert_array_equal(out[0], GRID[0, top:top + 2, left:left + 3])
    with pytest.raises(ValueError, match="does not fit"):
        RandomCrop(6, generator=0)(GRID)


def test_rotation_by_90_degrees_turns_the_grid_counter_clockwise():
    out = rotate(GRID, 90.0)[0]
    np.testing.assert_allclose(out, np.rot90(GRID[0]), atol=1e-5)  # rot90: anticlockwise
    assert abs(out[0, 0] - 4.0) < 1e-5  # the top-right corner comes to the top-left


def test_small_rotation_interpolates_bilinearly():
    # 45 degrees about the centre (2, 2): output (2, 3) (x=1, y=0) reads
    # x_s = cos45 + 2, y_s = sin45 + 2 = (2.7071, 2.7071): the bilinear mean of
    # in[2,2]=12, in[2,3]=13, in[3,2]=17, in[3,3]=18 with weights 0.2929/0.7071
    out = rotate(GRID, 45.0)[0]
    a = np.sqrt(0.5)
    expected = ((1 - a) * ((1 - a) * 12 + a * 13) + a * ((1 - a) * 17 + a * 18))
    assert out[2, 3] == pytest.approx(expected, rel=1e-6)
    assert out[2, 2] == pytest.approx(12.0)  # the centre stays
    # the corner (x=-2, y=-2) reads x_s = 2, y_s = 2 - 2*sqrt(2) = -0.83: between the
    # ring of `fill` outside (row -1) and in[0, 2] = 2, with weight 0.17 on the latter
    w = 3 - 2 * np.sqrt(2)
    assert rotate(GRID, 45.0, fill=-5.0)[0, 0, 0] == pytest.approx((1 - w) * -5 + w * 2)
    assert rotate(GRID, 45.0)[0, 0, 0] == pytest.approx(w * 2)


def test_normalize_against_hand_values():
    x = np.array([[[0.0, 0.5]], [[1.0, 2.0]]], dtype=np.float32)  # 2 channels, 1x2
    out = Normalize([0.5, 1.0], [0.25, 2.0])(x)
    np.testing.assert_allclose(out, [[[-2.0, 0.0]], [[0.0, 0.5]]])
    assert out.dtype == np.float32
    mnist = Normalize(0.1307, 0.3081)(np.ones((1, 1, 2, 2), dtype=np.float32))
    np.testing.assert_allclose(mnist, (1 - 0.1307) / 0.3081, rtol=1e-6)
    assert Normalize(0, 255)(np.full((1, 2, 2), 255, dtype=np.uint8)).dtype == np.float32
    with pytest.raises(ValueError, match="3 values of mean"):
        Normalize([0, 0, 0], 1)(x)
    with pytest.raises(ValueError, match="std > 0"):
        Normalize(0, 0)


def test_compose_and_a_dataloader_draw_new_shifts_every_epoch():
    X = reseau.tensor(np.repeat(GRID[None], 8, axis=0))
    y = reseau.arange(8)
    augment = Compose([RandomShift(1, generator=0), Normalize(12.0, 2.0)])
    loader = DataLoader(TransformedDataset(TensorDataset(X, y), augment), batch_size=4)
    first = [xb.numpy().copy() for xb, _ in loader]
    second = [xb.numpy().copy() for xb, _ in loader]
    assert [b.shape for b in first] == [(4, 1, 5, 5)] * 2
    assert not all(np.array_equal(a, b) for a, b in zip(first, second))
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    # a sample read one at a time goes through the transform too
    ds = TransformedDataset(TensorDataset(X, y), Normalize(12.0, 2.0))
    np.testing.assert_allclose(ds[3][0].numpy(), (GRID - 12.0) / 2.0)


def test_errors_name_the_transform():
    with pytest.raises(ValueError, match="RandomShift: max_shift"):
        RandomShift(-1)
    with pytest.raises(ValueError, match=r"rotate: expected an image .* got shape \(5,\)"):
        rotate(np.zeros(5), 10)
    with pytest.raises(TypeError, match="RandomRotation: generator"):
        RandomRotation(10, generator="x")
    with pytest.raises(TypeError, match="TransformedDataset: transform must be callable"):
        TransformedDataset(TensorDataset(reseau.zeros(2, 1)), 3)
