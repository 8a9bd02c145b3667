"""scikit-learn estimators trained by reseau's engine.

``MLPClassifier`` and ``MLPRegressor`` (scikit-learn's hyper-parameters and
attributes), ``LogisticRegression`` and ``RidgeRegression``: each is a network of
``reseau.nn.Linear`` layers trained with ``reseau.optim.Adam`` or ``SGD``, wrapped in
scikit-learn's estimator API, so that it works in ``Pipeline``, ``GridSearchCV``,
``cross_val_score`` and with every other scikit-learn tool::

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from reseau.sklearn import MLPClassifier

    model = make_pipeline(StandardScaler(), MLPClassifier((64,), random_state=0))
    model.fit(X_train, y_train).score(X_test, y_test)

What the estimators guarantee:

* ``get_params`` / ``set_params`` / ``clone``; ``fit``, ``partial_fit``, ``predict``,
  ``score``; for the classifiers ``predict_proba``, ``predict_log_proba``,
  ``decision_function`` and ``classes_``; ``n_features_in_`` (and
  ``feature_names_in_`` for DataFrames); ``warm_start``; early stopping on a held-out
  ``validation_fraction``.
* A fitted estimator holds plain NumPy arrays (``coefs_``, ``intercepts_``, the
  optimizer's moments), never a live graph: it pickles and deep-copies.
  ``to_module()`` gives the network back as an ``nn.Sequential``.
* ``fit`` twice with the same integer ``random_state`` gives the same model;
  ``random_state=None`` draws from reseau's generator (``reseau.manual_seed``), never
  from NumPy's global state.
* Predictions do not depend on the batch size or the order of the samples: the network
  is evaluated in eval mode, row by row independent, in float64.

scikit-learn's estimator checks (``sklearn.utils.estimator_checks
.parametrize_with_checks``) all pass; tests/test_sklearn.py runs them on the four
estimators. None is skipped or marked as an expected failure by reseau; scikit-learn
itself skips two checks per estimator when their dependency is missing:

* ``check_classifier_data_not_an_array`` / ``check_regressor_data_not_an_array``:
  pandas input, skipped when pandas is not installed;
* ``check_array_api_input``: skipped unless the environment variable
  ``SCIPY_ARRAY_API=1`` is set (with it, the check passes).

Differences with scikit-learn: no L-BFGS solver; SGD uses a constant learning rate
(no 'invscaling'/'adaptive' schedule); no ``sample_weight``; a classifier predicts one
label per sample (no multilabel targets). The linear models' ``max_iter`` counts
epochs of gradient descent rather than iterations of a second-order solver.

This module needs scikit-learn (``pip install reseau[sklearn]``); ``import reseau``
does not import it.
"""

from ._linear import LogisticRegression, RidgeRegression
from ._mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "LogisticRegression", "RidgeRegression"]
