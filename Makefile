# livehost developer targets. `make test` and `make demo` run `setup` themselves,
# so each is one command on a fresh Debian 12 machine (as root).

PYTHON   ?= python3
VENV     ?= .venv
PY        = $(VENV)/bin/python
ARCH     := $(shell uname -m)
CONSTRAINTS ?= image/constraints-$(ARCH).txt
DURATION ?= 0
# Debian packages: real servers for tests and the demo, ffprobe, fonts, venv support.
APT_PACKAGES = python3-venv nginx-light libnginx-mod-rtmp mosquitto mosquitto-clients \
               ffmpeg fonts-noto-cjk

.PHONY: setup apt venv test demo bench lint clean

setup: apt venv

apt:
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[test]'
	touch $@

test: setup
	$(PY) -m ruff check daemon tests bench
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check daemon tests bench

bench: setup
	$(PY) -m bench.run

# Until the on-air work lands, the demo follows the sample schedule live: it prints
# what is on air now and every change, and reloads when schedule.yaml is saved.
demo: setup
	$(VENV)/bin/livehost check --config etc/livehost/livehost.yaml
	$(VENV)/bin/livehost plan --config etc/livehost/livehost.yaml --follow --for $(DURATION)

clean:
	rm -rf $(VENV) build dist daemon/*.egg-info .pytest_cache .ruff_cache
