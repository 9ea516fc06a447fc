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
    # after the quick run's samples, the shipped model's, each block labelled (what a newcomer came for)
    assert "generate --checkpoint lstm_models/best.pt --checkpoint pretrained" in setup_and_run
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


def colab_versions() -> dict[str, str]:
    """.ci/colab-versions.txt: what Google Colab preinstalls, as {name: version}."""
    from packaging.utils import canonicalize_name

    lines = (ROOT / ".ci" / "colab-versions.txt").read_text().splitlines()
    pins = [line.split("#")[0].strip() for line in lines]
    return {canonicalize_name(name): version for name, version in (pin.split("==") for pin in pins if pin)}


def test_installing_the_package_in_colab_upgrades_nothing_colab_has():
    """Colab imports ipywidgets (7.7.1) when the kernel starts: a requirement that its version does not
    satisfy makes the setup cell's pip upgrade it and Colab ask for a restart before the course starts."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}
    # ipywidgets 7.7.1 in any case: Colab has shipped it since 2022, older runtime versions stay selectable.
    assert requirements["ipywidgets"].specifier.contains("7.7.1"), f"{requirements['ipywidgets']} upgrades 7.7.1"
    colab = colab_versions()
    for name, requirement in requirements.items():
        assert name in colab, f"{name} is not in .ci/colab-versions.txt: look up the version Colab has"
        assert requirement.specifier.contains(colab[name], prereleases=True), (
            f"{requirement} would upgrade Colab's {name} {colab[name]}: lower the floor")


def test_environment_yml_has_the_same_floors_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dependencies = (ROOT / "environment.yml").read_text().split("dependencies:")[1]
    for requirement in project["dependencies"]:
        conda_name = {v: k for k, v in CONDA_NAMES.items()}.get(_name(requirement), _name(requirement))
        floor = requirement[len(_name(requirement)):].strip()
        assert re.search(rf"^  - {re.escape(conda_name + floor)}\b", dependencies, re.M), (
            f"environment.yml should ask for {conda_name}{floor}, as pyproject.toml does")


def test_the_version_is_written_in_one_place():
    from importlib.metadata import version

    import lstm_tutorial

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"] == ["version"]
    assert version("lstm-tutorial") == lstm_tutorial.__version__


def test_the_readme_is_a_page_a_user_reads():
    """Reports (test logs, benchmark output) live in docs/, so the README stays short."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme) <= 20_000
    for report in ("docs/testing.md", "docs/benchmarks.md", "docs/model.md"):
        assert report in readme and (ROOT / report).exists()


def test_the_korean_readme_links_both_ways_and_gives_the_same_two_commands():
    readme, korean = (ROOT / "README.md").read_text(), (ROOT / "README.ko.md").read_text()
    assert "(README.ko.md)" in readme and "(README.md)" in korean
    block = re.search(r"```bash\n(.*?)```", korean, re.S).group(1)
    assert [line for line in block.splitlines() if line.strip()] == quickstart_commands()


def test_every_notebook_a_readme_links_to_exists():
    for page in ("README.md", "README.ko.md"):
        links = re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", (ROOT / page).read_text())
        assert len(links) >= 8, page
        missing = [link for link in links if not (ROOT / link).exists()]
        assert not missing, f"{page} links to {missing}"


def test_the_hangul_font_ships_with_its_licence():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]["lstm_tutorial"]
    assert "fonts/*.ttf" in package_data and "fonts/OFL.txt" in package_data
    assert "SIL Open Font License, Version 1.1" in (ROOT / "lstm_tutorial" / "fonts" / "OFL.txt").read_text()
