"""The project files agree with each other: README, .ci/run, pyproject.toml, environment.yml."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch"}  # conda name -> PyPI name


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_quickstart_has_exactly_two_commands():
    setup_and_run, setup_and_test = quickstart_commands()
    assert "install.py" in setup_and_run and "train --preset quick" in setup_and_run
    assert "--temperature 0.5 1.0" in setup_and_run
    assert "install.py --dev" in setup_and_test and "pytest" in setup_and_test


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README.md" in ci and "sed -n 2p" in ci and 'bash -c "$test_command"' in ci


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    dependencies = (ROOT / "environment.yml").read_text().split("dependencies:")[1]
    conda_lines = re.findall(r"^  - ([A-Za-z][\w.-]*)", dependencies, re.M)
    conda_names = {CONDA_NAMES.get(_name(line), _name(line)) for line in conda_lines} - {"python", "pip"}
    assert conda_names == pip_names


def test_the_bundled_corpus_ships_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.json" in config["tool"]["setuptools"]["package-data"]["lstm_tutorial"]
