# Two entry points (see README): `make demo` and `make test`. Both create the venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test bench clean

# torch is pinned through constraints.txt to 2.13.0, whose CPU build this machine kind's pip finds
# locally (an unpinned torch pulls CUDA wheels). Elsewhere PyPI's 2.13.0 is the CUDA build: set
# TORCH_INDEX=https://download.pytorch.org/whl/cpu and pip takes 2.13.0+cpu from PyTorch's index.
TORCH_INDEX ?=
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt \
		$(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skhep_models compare mass --out demo_report

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/training_speed.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info demo_report
