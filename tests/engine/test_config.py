import pytest

from contrastkit.engine.config import ConfigError
from contrastkit.tasks import load_config
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.text.config import TextConfig


def test_defaults_validate():
    cfg = load_config()
    assert isinstance(cfg, ImageConfig) and cfg.method == "simclr" and cfg.task == "images"


def test_the_task_follows_the_method_or_the_task_setting():
    assert isinstance(load_config(overrides=["method=pairs"]), TextConfig)
    assert load_config(overrides=["task=text"]).method == "pairs"  # the text task's default
    with pytest.raises(ConfigError, match="invalid setting 'method'"):
        load_config(overrides=["task=text", "method=simclr"])
    with pytest.raises(ValueError, match="unknown task 'audio'; choose one of: images, text"):
        load_config(overrides=["task=audio"])


def test_each_task_keeps_its_budget_and_warm_up_defaults():
    images, text = load_config(), load_config(overrides=["method=pairs"])
    assert images.total_steps(100) == 10 * 100 and images.warmup(1000) == 50
    assert text.total_steps(100) == 100 and text.warmup(1000) == 100
    assert load_config(overrides=["steps=7"]).total_steps(100) == 7
    assert load_config(overrides=["optim.accumulate=4"]).total_steps(100) == 10 * 25


def test_a_yaml_syntax_error_is_a_config_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("optim: [1\n")
    with pytest.raises(ConfigError):
        load_config(path)


def test_yaml_then_dotted_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("temperature: 0.2\noptim:\n  lr: 0.5\n  batch_size: 64\n")
    cfg = load_config(path, ["optim.lr=0.1", "data.source=npz:x.npz"])
    assert cfg.temperature == 0.2 and cfg.optim.lr == 0.1 and cfg.optim.batch_size == 64
    assert cfg.data.source == "npz:x.npz"


def test_unknown_key_names_the_key_and_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown setting 'optim.lrr'.*\blr\b"):
        load_config(overrides=["optim.lrr=1"])


def test_invalid_value_names_the_field():
    with pytest.raises(ConfigError, match=r"invalid setting 'temperature'"):
        load_config(overrides=["temperature=-1"])


@pytest.mark.parametrize("bad", ["lr", "=3", ""])
def test_malformed_set_pair(bad):
    with pytest.raises(ConfigError, match="key=value"):
        load_config(overrides=[bad])


def test_epochs_and_steps_together_are_rejected():
    with pytest.raises(ConfigError, match="epochs or steps"):
        load_config(overrides=["epochs=1", "steps=2"])


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.yaml")


def test_folder_on_error_defaults_to_raise_and_accepts_only_raise_or_skip():
    assert load_config().data.on_error == "raise"
    assert load_config(overrides=["data.on_error=skip"]).data.on_error == "skip"
    with pytest.raises(ConfigError, match=r"invalid setting 'data.on_error'"):
        load_config(overrides=["data.on_error=ignore"])


def test_augmentation_settings_replace_fields_of_the_sources_preset(fashion_mnist_available):
    from contrastkit.tasks.images.build import load_image_data

    base = load_image_data(load_config(overrides=["data.max_samples=8"])).recipe
    cfg = load_config(
        overrides=["data.max_samples=8", "data.crop_scale=[0.5, 1.0]", "data.jitter_strength=0"]
    )
    recipe = load_image_data(cfg).recipe
    assert (recipe.crop_scale, recipe.jitter_strength) == ((0.5, 1.0), 0.0)
    assert recipe.mean == base.mean and recipe.size == base.size  # the rest is the preset's
    with pytest.raises(ConfigError, match="crop_scale"):
        load_image_data(load_config(overrides=["data.max_samples=8", "data.crop_scale=[0.9, 0.2]"]))
