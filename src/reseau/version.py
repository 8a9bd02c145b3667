"""The version of reseau, in a leaf module: code inside the package reads it from here
(the package root only re-exports)."""

__version__ = "0.1.0"
