"""``reseau.labs``: every experiment of the course documents, re-runnable.

Each lab trains, measures and writes a folder holding a Markdown report (numbers in
tables, figures embedded), its PNGs and ``results.json``. From the shell::

    reseau lab list
    reseau lab circle-automation --quick --out reports
    reseau lab all --out reports          # every lab, and reports/index.md

From Python: ``run_lab(name, out, quick=False, seed=0)`` and ``run_all(out)``. The
command line is the application's (:mod:`reseau.cli.lab`).
The labs are registered in :data:`LABS`, in the order of the course.
"""

from .registry import LABS, Lab, LabConfig, get_lab, run_all, run_lab
from .report import Report

# Importing a lab module registers it; the order here is the order of `reseau lab list`.
from . import (  # noqa: E402,F401
    circle_automation, svm_comparison, mnist, mnist_cnn, zero_init, linear_activations,
    learning_rate,
    gradient_descent_variants, dataset_size, early_stopping, activations,
    backprop_complexity, gradient_check,
)

__all__ = ["LABS", "Lab", "LabConfig", "Report", "get_lab", "run_lab", "run_all"]
