"""User paths resolve against the project, never the working directory (JupyterLab starts kernels in notebooks/)."""

from __future__ import annotations

from pathlib import Path

from kit import config


def test_empty_paths_mean_the_environment_or_the_projects_own_folders(monkeypatch, tmp_path):
    monkeypatch.chdir(config.NOTEBOOKS_DIR)
    monkeypatch.delenv("KIT_DATA", raising=False)
    monkeypatch.delenv("KIT_REPORTS", raising=False)
    assert config.data_dir("") == config.DATA_SAMPLES_DIR and config.data_dir(None) == config.DATA_SAMPLES_DIR
    assert config.reports_dir("") == config.REPORTS_DIR
    monkeypatch.setenv("KIT_DATA", str(tmp_path))
    monkeypatch.setenv("KIT_REPORTS", str(tmp_path / "out"))
    assert config.data_dir("") == tmp_path and config.reports_dir() == tmp_path / "out"


def test_relative_paths_are_relative_to_the_project_not_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert config.data_dir("data_samples") == config.DATA_SAMPLES_DIR
    assert config.data_dir("data_samples").is_dir()
    assert config.data_dir(str(tmp_path)) == tmp_path  # absolute paths are kept
    assert config.data_dir("~/exports") == Path.home() / "exports"
