"""MNIST and Fashion-MNIST from local files: the real files (the ``test_data`` fixture of
tests/conftest.py, from ``RESEAU_TEST_DATA``; skipped when absent) and tiny files made by
the test."""

import numpy as np
import pytest

from reseau.data import MNIST, DataLoader, FashionMNIST, load_fashion_mnist, load_mnist, md5sum
from reseau.tensor import Tensor

# label counts of the canonical files (shared/data/README.md)
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist_train(mnist_dir):
    return MNIST(root=mnist_dir, train=True, download=False)


# ------------------------------------------------------------------ real files
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_known_md5s_match_the_real_files(cls, test_data):
    folder = test_data / cls.folder
    for name, md5 in cls.md5.items():
        assert md5sum(folder / name) == md5, name


def test_mnist_train_split(mnist_train):
    assert len(mnist_train) == 60000
    assert mnist_train.data.shape == (60000, 28, 28) and mnist_train.data.dtype == np.uint8
    assert np.bincount(mnist_train.targets.numpy()).tolist() == MNIST_TRAIN_COUNTS
    image, label = mnist_train[0]
    assert isinstance(image, Tensor) and image.shape == (1, 28, 28)
    assert image.dtype == np.float32
    assert label == 5  # the first training digit of MNIST is a 5
    assert float(image._array.min()) == 0.0 and float(image._array.max()) == 1.0
    np.testing.assert_allclose(image.numpy()[0], mnist_train.data.numpy()[0] / 255.0,
                               rtol=1e-6)


def test_mnist_batches_through_a_dataloader(mnist_train):
    images, labels = next(iter(DataLoader(mnist_train, batch_size=32)))
    assert images.shape == (32, 1, 28, 28) and labels.dtype == np.int64
    assert labels.tolist() == mnist_train.targets.numpy()[:32].tolist()


def test_load_mnist_test_split_as_vectors(mnist_dir):
    X, y = load_mnist(train=False, root=mnist_dir, download=False)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert np.bincount(y.numpy()).tolist() == MNIST_TEST_COUNTS
    assert 0.0 <= float(X._array.min()) and float(X._array.max()) == 1.0
    assert y.numpy()[:5].tolist() == [7, 2, 1, 0, 4]  # the first test digits


def test_fashion_mnist_test_split_is_balanced(test_data):
    X, y = load_fashion_mnist(train=False, root=test_data / "fashion-mnist",
                              download=False, as_tensor=False)
    assert isinstance(X, np.ndarray) and X.shape == (10000, 784)
    assert np.bincount(y).tolist() == [1000] * 10
    assert FashionMNIST.classes[9] == "Ankle boot"


# ------------------------------------------------------------------ tiny files
def test_tiny_files_through_root(tiny_mnist):
    folder, sets = tiny_mnist
    train = MNIST(root=folder, train=True, download=False)
    images = sets["train"][0]
    assert len(train) == 6
    np.testing.assert_array_equal(train.data.numpy(), images)
    assert train.targets.tolist() == [0, 3, 6, 9, 2, 5]
    image, label = train[4]
    assert label == 2
    np.testing.assert_allclose(image.numpy(), images[4][None] / 255.0, rtol=1e-6)

    test = MNIST(root=folder, train=False, download=False, flatten=True)
    assert len(test) == 4 and test[1][0].shape == (784,)


def test_dataloader_over_tiny_set_shuffles_and_collates(tiny_mnist):
    folder, sets = tiny_mnist
    ds = MNIST(root=folder, download=False, flatten=True)
    batches = list(DataLoader(ds, batch_size=4, shuffle=True, generator=3))
    assert [len(b[1]) for b in batches] == [4, 2]
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen.tolist()) == sorted(sets["train"][1].tolist())
    # each image travels with its own label
    for X, y in batches:
        for row, label in zip(X.numpy(), y.numpy()):
            k = int(np.flatnonzero(sets["train"][1] == label)[0])
            np.testing.assert_allclose(row, sets["train"][0][k].ravel() / 255.0, rtol=1e-6)


def test_transforms_are_applied_per_sample_and_in_batches(tiny_mnist):
    folder, _ = tiny_mnist
    ds = MNIST(root=folder, download=False, transform=lambda x: x * 2.0,
               target_transform=lambda y: y + 100)
    plain = MNIST(root=folder, download=False)
    image, label = ds[1]
    assert label == 103
    np.testing.assert_allclose(image.numpy(), plain[1][0].numpy() * 2.0)
    images, labels = next(iter(DataLoader(ds, batch_size=6)))
    assert labels.tolist() == [100, 103, 106, 109, 102, 105]
    assert images.shape == (6, 1, 28, 28)


def test_missing_file_without_download_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\.gz is missing"):
        MNIST(root=tmp_path, download=False)


def test_labels_that_do_not_match_the_images_are_refused(tiny_mnist, write_idx):
    folder, _ = tiny_mnist
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"one label per image \(6\), got shape \(5,\)"):
        MNIST(root=folder, download=False)


def test_label_out_of_range_is_refused(tiny_mnist, write_idx):
    folder, _ = tiny_mnist
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.array([0, 1, 2, 3, 4, 12], np.uint8))
    with pytest.raises(ValueError, match=r"has label 12; labels must lie in 0\.\.9"):
        MNIST(root=folder, download=False)
