# The two commands: `make run` and `make test`. Both set up .venv first (only when needed).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QWEN_STAMP := $(VENV)/.qwen-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run test lint docs bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt scripts/install.sh scripts/build-llama-wheel.sh
	bash scripts/install.sh
	touch $@

$(QWEN_STAMP): scripts/install-qwen.sh | $(STAMP)
	bash scripts/install-qwen.sh
	touch $@

# The example plugin (examples/acme-status) is installed for make test; the bot make run starts
# leaves it out, so its /status (backed by a fake API) is not among a new user's commands.
run: $(STAMP) $(QWEN_STAMP)
	$(BIN)/chatwright model prepare
	CHATWRIGHT_SKILLS_DISABLED=status CHATWRIGHT_DOCS_GUIDE=docs $(BIN)/chatwright run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The user guide (mkdocs.yml): --strict fails on a broken link or anchor (not with --quiet, which
# hides the warnings it counts). Output in build/site (git-ignored).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: lint docs
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest -q

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
