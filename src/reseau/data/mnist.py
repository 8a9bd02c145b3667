"""MNIST and Fashion-MNIST: 28x28 grey images of 10 classes, 60,000 for training and
10,000 for testing.

The four gzip'd IDX files of a data set are looked for in a folder (``root``, by default
``cache_dir() / "mnist"`` or ``cache_dir() / "fashion-mnist"``, see
``reseau.data.download``); the missing ones are downloaded from the canonical mirrors
and checked against their known MD5s. With ``root=`` pointing at a folder that holds the
files, nothing touches the network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..creation import from_numpy
from ..registry import DATASETS
from ..utils.data.dataloader import default_collate
from ..utils.data.dataset import Dataset
from .download import DownloadError, cache_dir, download_file
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST", "load_mnist", "load_fashion_mnist"]


class MNIST(Dataset):
    """The MNIST handwritten digits (LeCun, Cortes and Burges), as a ``Dataset``.

    Sample ``i`` is ``(image, label)``: ``image`` a float32 tensor of shape
    ``(1, 28, 28)`` (or ``(784,)`` with ``flatten=True``) with pixels scaled to
    ``[0, 1]`` (``pixel / 255``), ``label`` an int in ``0 .. 9``; ``transform`` and
    ``target_transform``, when given, are applied to them.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Folder holding (or to receive) the four ``*-ubyte.gz`` files. Default:
        ``cache_dir() / "mnist"`` (``$RESEAU_DATA/mnist`` when that variable is set).
    train : bool
        The 60,000 training images (``True``) or the 10,000 test images.
    download : bool
        Download the missing files into ``root``. With ``False``, missing files are an
        error that says where to put them.
    transform, target_transform : callable, optional
        Applied to each image tensor and each label.
    flatten : bool
        Give each image as a vector of 784 pixels (what a fully connected network takes).
    mirrors : sequence of str, optional
        Base addresses to download from, tried in order (default: the class attribute
        ``mirrors``, the canonical ones).

    Attributes
    ----------
    data : Tensor of uint8, shape (N, 28, 28), the raw pixels
    targets : Tensor of int64, shape (N,), the labels
    classes : list of str, the class names

    Examples
    --------
    >>> from reseau.data import MNIST, DataLoader
    >>> train = MNIST(root="/work/shared/data/mnist", flatten=True)  # doctest: +SKIP
    >>> loader = DataLoader(train, batch_size=64, shuffle=True)  # doctest: +SKIP
    >>> images, labels = next(iter(loader))  # doctest: +SKIP
    >>> images.shape, labels.dtype  # doctest: +SKIP
    ((64, 784), dtype('int64'))
    """

    #: sub-folder of the cache folder
    folder = "mnist"
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    #: images file and labels file of each split
    files = {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }
    md5 = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = [str(k) for k in range(10)]

    def __init__(self, root=None, train: bool = True, download: bool = True,
                 transform=None, target_transform=None, flatten: bool = False,
                 mirrors=None):
        self.root = Path(root).expanduser() if root is not None else cache_dir() / self.folder
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.flatten = bool(flatten)
        if mirrors is not None:
            if isinstance(mirrors, str):
                mirrors = [mirrors]
            self.mirrors = tuple(mirrors)
        image_file, label_file = self.files["train" if self.train else "test"]
        for name in (image_file, label_file):
            self._ensure(name, download)
        images, labels = read_idx(self.root / image_file), read_idx(self.root / label_file)
        self._check(images, labels, image_file, label_file)
        self._images = images
        self._labels = labels.astype(np.int64)

    # ------------------------------------------------------------------ files
    def _ensure(self, name: str, download: bool) -> None:
        path = self.root / name
        if path.is_file():
            return
        what = type(self).__name__
        if not download:
            raise FileNotFoundError(
                f"{what}: {path} is missing. Put the file there (from one of "
                f"{', '.join(self.mirrors)}), pass root= a folder that holds it, or use "
                "download=True"
            )
        try:
            download_file([m.rstrip("/") + "/" + name for m in self.mirrors], path,
                          self.md5.get(name))
        except DownloadError as err:
            raise DownloadError(
                f"{what}: {err} To work offline, copy the four files of the data set into "
                f"{self.root} (or set RESEAU_DATA to a folder that has a '{self.folder}' "
                "folder holding them), or pass root= a folder that holds them."
            ) from None

    def _check(self, images, labels, image_file: str, label_file: str) -> None:
        what = type(self).__name__
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(
                f"{what}: {self.root / image_file} should hold uint8 images of shape "
                f"(N, height, width), got {images.dtype} of shape {tuple(images.shape)}"
            )
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(
                f"{what}: {self.root / label_file} should hold one label per image "
                f"({len(images)}), got shape {tuple(labels.shape)}"
            )
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(
                f"{what}: {self.root / label_file} has label {labels.max()}; labels must lie "
                f"in 0..{len(self.classes) - 1}"
            )

    # ---------------------------------------------------------------- samples
    @property
    def data(self):
        """The raw pixels, a uint8 tensor of shape (N, height, width)."""
        return from_numpy(self._images)

    @property
    def targets(self):
        """The labels, an int64 tensor of shape (N,)."""
        return from_numpy(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def _images_at(self, index) -> np.ndarray:
        pixels = self._images[index].astype(np.float32) / np.float32(255.0)
        if self.flatten:
            return pixels.reshape(*pixels.shape[:-2], -1)
        return pixels[..., None, :, :]  # one channel, as PyTorch lays images out

    def __getitem__(self, index):
        index = int(index)
        image, label = from_numpy(self._images_at(index)), int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def _batch(self, index):
        if self.transform is not None or self.target_transform is not None:
            positions = np.arange(len(self))[index]
            return default_collate([self[int(i)] for i in positions])
        return from_numpy(self._images_at(index)), from_numpy(self._labels[index])

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, samples={len(self)}, root='{self.root}')"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando Research): 28x28 grey images of clothes in 10 classes,
    with the same sizes and file names as MNIST. Same parameters as ``MNIST``; the
    default folder is ``cache_dir() / "fashion-mnist"``."""

    folder = "fashion-mnist"
    mirrors = (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    )
    md5 = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def _arrays(dataset: MNIST, as_tensor: bool):
    X = dataset._images_at(slice(None))
    y = dataset._labels
    return (from_numpy(X), from_numpy(y)) if as_tensor else (X, y)


@DATASETS.register("mnist", kind="images")
def load_mnist(train: bool = True, *, root=None, download: bool = True, mirrors=None,
               as_tensor: bool = True):
    """MNIST as two arrays ``X, y``, ready for a fully connected network.

    ``X`` is float32 of shape ``(N, 784)``, pixels scaled to ``[0, 1]``; ``y`` is int64
    of shape ``(N,)``. ``N`` is 60,000 (``train=True``) or 10,000. The other parameters
    are those of ``MNIST``; ``as_tensor=False`` gives NumPy arrays.

    Examples
    --------
    >>> from reseau.data import load_mnist
    >>> X, y = load_mnist(train=False, root="/work/shared/data/mnist")  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((10000, 784), (10000,))
    """
    dataset = MNIST(root, train=train, download=download, flatten=True, mirrors=mirrors)
    return _arrays(dataset, as_tensor)


@DATASETS.register("fashion-mnist", kind="images")
def load_fashion_mnist(train: bool = True, *, root=None, download: bool = True,
                       mirrors=None, as_tensor: bool = True):
    """Fashion-MNIST as two arrays ``X, y``; same conventions as ``load_mnist``."""
    dataset = FashionMNIST(root, train=train, download=download, flatten=True,
                           mirrors=mirrors)
    return _arrays(dataset, as_tensor)
