"""Course code written for PyTorch runs on reseau by changing the import: the idioms of
a typical training script, checked end to end."""

import numpy as np

import reseau as torch  # the point of this file: the PyTorch spelling works
import reseau.nn as nn
import reseau.nn.functional as F
from reseau.data import DataLoader, TensorDataset


def test_typical_training_script_runs_and_learns(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X = torch.randn(200, 2)
    y = (X.pow(2).sum(1) > 1).long()
    loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    first = None
    for _ in range(30):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            first = loss.item() if first is None else first
    assert loss.item() < first / 3
    with torch.no_grad():
        outputs = model(X)
        _, predicted = torch.max(outputs.data, 1)  # .data is a tensor sharing memory, as in PyTorch
        correct = (predicted == y).sum().item()
    assert correct / len(y) > 0.9
    torch.save(model.state_dict(), tmp_path / "model.pt")
    fresh = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    fresh.load_state_dict(torch.load(tmp_path / "model.pt"))
    np.testing.assert_array_equal(fresh(X).argmax(dim=1).numpy(), outputs.argmax(1).numpy())


def test_functional_forms_and_shapes():
    x = torch.randn(4, 1, 28, 28)
    flat = x.view(-1, 784)
    assert flat.shape == (4, 784) and flat.size(0) == 4 and flat.size() == (4, 784)
    probs = F.softmax(flat @ torch.randn(784, 10) * 0.01, dim=1)
    np.testing.assert_allclose(probs.sum(1).numpy(), np.ones(4), rtol=1e-6)
    values, indices = torch.max(probs, dim=1)
    np.testing.assert_array_equal(indices.numpy(), probs.numpy().argmax(1))
    np.testing.assert_array_equal(values.numpy(), probs.numpy().max(1))
    # NumPy arrays are accepted where a tensor is expected
    assert torch.exp(np.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    assert torch.argmax(np.array([[1, 5, 2]]), dim=1).tolist() == [1]


def test_numbers_given_to_functions_take_the_default_dtype():
    # as reseau.tensor(2.0): a Python float is float32, a NumPy array keeps its dtype
    assert torch.exp(2.0).dtype == np.float32
    assert torch.relu([1.0, -1.0]).dtype == np.float32
    assert torch.exp(np.zeros(2)).dtype == np.float64
