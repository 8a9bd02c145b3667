"""The typed settings of a run (reseau.cli.settings): defaults, checks on construction,
defaults < TOML file < options, and the round trips through TOML and the model file."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseau.cli.settings import ConfigError, TrainSettings, check_value, load_toml


def test_defaults_are_seed_003s_circle_experiment():
    s = TrainSettings()
    assert (s.data, s.hidden, s.activation, s.loss, s.optimizer, s.lr, s.epochs,
            s.batch_size, s.schedule) == ("circles", (4,), "tanh", "auto", "sgd", None, 150,
                                          10, "none")


def test_every_value_is_checked_and_converted_when_made():
    s = TrainSettings(epochs="5", hidden="16,8", lr="0.5", batch_size="FULL",
                      standardize="no", noise="none", activation="ReLU")
    assert (s.epochs, s.hidden, s.lr, s.batch_size, s.standardize, s.noise, s.activation) == \
        (5, (16, 8), 0.5, "full", False, None, "relu")
    assert TrainSettings(hidden="none").hidden == ()
    with pytest.raises(ConfigError, match="lr must be > 0, got 0"):
        TrainSettings(lr=0)
    with pytest.raises(ConfigError, match="epochs must be a whole number >= 0, got -1"):
        TrainSettings(epochs=-1)
    with pytest.raises(ConfigError, match=r"test-size must be < 1, got 1"):
        TrainSettings(test_size=1)
    # a copy is checked too
    with pytest.raises(ConfigError, match="samples must be a whole number >= 4"):
        TrainSettings().replace(samples=3)


def test_settings_are_frozen_and_replace_makes_a_checked_copy():
    s = TrainSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.epochs = 3
    t = s.replace(**{"batch-size": "32", "log_every": "0"})
    assert (t.batch_size, t.log_every, s.batch_size) == (32, 0, 10)
    with pytest.raises(ConfigError, match="unknown setting 'epoch' \\(did you mean 'epochs'"):
        s.replace(epoch=3)


def test_options_win_over_the_file_which_wins_over_the_defaults(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text('[train]\ndata = "moons"\nepochs = 20\nbatch-size = "full"\n')
    s = TrainSettings.resolve({"epochs": "7"}, cfg)
    assert (s.data, s.epochs, s.batch_size, s.hidden) == ("moons", 7, "full", (4,))
    cfg.write_text("epochs = -2\n")
    with pytest.raises(ConfigError, match=f"^{cfg}: epochs must be a whole number >= 0"):
        TrainSettings.resolve({}, cfg)
    with pytest.raises(ConfigError, match="does not exist"):
        load_toml(tmp_path / "missing.toml")


def test_toml_and_stored_round_trips_give_the_same_settings(tmp_path):
    s = TrainSettings(data="xor", hidden=(), noise=0.05, standardize=False,
                      batch_size="full", schedule="step:3:0.5", lr=0.25, out="somewhere",
                      weight_decay=0.001, optimizer="rmsprop", momentum=0.9)
    (tmp_path / "config.toml").write_text(s.to_toml())
    again = TrainSettings.resolve({}, tmp_path / "config.toml")
    assert again == s.replace(out=None)             # the saved settings make their own folder
    stored = {**s.stored(), "preprocessing": {"task": "classification"}, "dev_split": True}
    assert stored["hidden"] == [] and stored["out"] is None
    assert TrainSettings.from_stored(stored) == s.replace(out=None)


def test_settings_that_do_not_go_together():
    with pytest.raises(ConfigError, match="--momentum applies to sgd and rmsprop, not adam"):
        TrainSettings(optimizer="adam", momentum=0.9)
    assert TrainSettings(optimizer="adam", momentum=0).momentum == 0


@pytest.mark.parametrize("spec, message", [
    ("step:0", "schedule step's EVERY must be a whole number >= 1"),
    ("plateau:-1", "schedule plateau's PATIENCE must be a whole number >= 0"),
    ("exponential:0", "schedule argument must be > 0"),
    ("cosine:3", "schedule 'cosine' takes at most 0 ':' argument(s)"),
    ("warmup", "schedule must be one of none, step, exponential, cosine, poly, plateau"),
])
def test_schedule_specs_are_checked(spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_value("schedule", spec)


@given(key=st.sampled_from(sorted(TrainSettings.__dataclass_fields__)),
       value=st.one_of(st.text(max_size=12), st.integers(-5, 10 ** 6),
                       st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                       st.none(), st.lists(st.integers(-2, 5), max_size=3)))
def test_any_value_of_any_setting_is_accepted_or_refused_with_a_config_error(key, value):
    """What a user may type (or write in a TOML file) never crashes the checks."""
    try:
        settings = TrainSettings().replace(**{key: value})
    except ConfigError as err:
        assert key.replace("_", "-") in str(err) or "momentum" in str(err)
    else:
        assert settings == TrainSettings().replace(**{key: getattr(settings, key)})
