#!/bin/bash
# Turn a JetPack 6 (L4T r36) root filesystem into a livehost appliance.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   image/build-appliance.sh --rootfs Linux_for_Tegra/rootfs \
#       --ort-wheel onnxruntime_gpu-1.20.0-cp310-cp310-linux_aarch64.whl
#
# Runs as root on the build host. Steps (see image/README.md):
#   1. a wheel of livehost and a wheelhouse of its pinned dependencies, downloaded on
#      the host for the target's platform and Python (no network inside the rootfs);
#   2. the file tree (units, tmpfiles, sysusers, default config, provisioning script)
#      through `make install-files DESTDIR=ROOTFS`;
#   3. /opt/livehost/venv created *inside* the rootfs (chroot; qemu-user-static on an
#      x86 host) and filled offline from the wheelhouse;
#   4. the CPU onnxruntime that piper-tts pulls in replaced by NVIDIA's onnxruntime-gpu;
#   5. the livehost user, folders and empty credential files; units enabled;
#   6. /opt/livehost/BUILD-INFO: source commit, constraints hash, installed versions.
# The same inputs give the same /opt tree: exact pins, an offline install, and
# SOURCE_DATE_EPOCH from the source commit (hash-checked .pyc files, no timestamps).
set -euo pipefail

usage() {
    sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'
options:
  --rootfs DIR          the root filesystem to change (required)
  --ort-wheel FILE      NVIDIA's onnxruntime-gpu wheel for JetPack 6 (cp310, aarch64)
  --arch ARCH           target machine: aarch64 (default) or x86_64 (tests)
  --python X.Y          target Python (default 3.10, JetPack 6's)
  --extras LIST         package extras to install, e.g. speech,mqtt (default: none)
  --not-jetson          allow a rootfs without /etc/nv_tegra_release (tests)
  --no-enable           do not enable the units
  --apt                 apt-get install the runtime OS packages inside the rootfs
                        (needs network there: resolv.conf is copied in for the step)
  --worktree            build from the working tree as it is, uncommitted files too
                        (default: the committed HEAD, through git archive)
EOF
}

ROOTFS= ORT_WHEEL= ARCH=aarch64 PYVER=3.10 EXTRAS= NOT_JETSON=0 ENABLE=1 WORKTREE=0 APT=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rootfs) ROOTFS=$(realpath "$2"); shift 2 ;;
        --ort-wheel) ORT_WHEEL=$(realpath "$2"); shift 2 ;;
        --arch) ARCH=$2; shift 2 ;;
        --python) PYVER=$2; shift 2 ;;
        --extras) EXTRAS=$2; shift 2 ;;
        --not-jetson) NOT_JETSON=1; shift ;;
        --no-enable) ENABLE=0; shift ;;
        --worktree) WORKTREE=1; shift ;;
        --apt) APT=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
[ -n "$ROOTFS" ] && [ -d "$ROOTFS" ] || { echo "--rootfs DIR is required" >&2; exit 2; }

SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/livehost-image.XXXXXX)
MOUNTS=()
cleanup() {
    for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount -l "${MOUNTS[i]}" 2>/dev/null || true; done
    rm -rf "$WORK" "$ROOTFS/tmp/livehost-wheels"
    if [ "${RESOLV_SET:-0}" = 1 ]; then
        rm -f "$ROOTFS/etc/resolv.conf"
        if [ -e "$ROOTFS/etc/resolv.conf.livehost-build" ] \
            || [ -L "$ROOTFS/etc/resolv.conf.livehost-build" ]; then
            mv "$ROOTFS/etc/resolv.conf.livehost-build" "$ROOTFS/etc/resolv.conf"
        fi
    fi
}
trap cleanup EXIT
say() { echo "== $*"; }

# --- checks ----------------------------------------------------------------------
if [ "$NOT_JETSON" = 0 ]; then
    grep -q '^# R36 ' "$ROOTFS/etc/nv_tegra_release" 2>/dev/null \
        || { echo "$ROOTFS is not an L4T r36 (JetPack 6) rootfs" >&2; exit 1; }
fi
[ -x "$ROOTFS/usr/bin/python$PYVER" ] \
    || { echo "the rootfs has no python$PYVER (apt-get install python3 python3-venv)" >&2; exit 1; }
if [ "$ARCH" = aarch64 ] && [ "$(uname -m)" != aarch64 ] \
    && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "building an aarch64 rootfs here needs qemu-user-static (binfmt qemu-aarch64)" >&2
    exit 1
fi

SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH PYTHONHASHSEED=0
# Build what is committed, so the image is the commit named in BUILD-INFO.
TREE=$SRC
if [ "$WORKTREE" = 0 ]; then
    TREE=$WORK/src
    mkdir -p "$TREE"
    git -C "$SRC" archive --format=tar HEAD | tar -x -C "$TREE"
fi
CONSTRAINTS=$TREE/image/constraints-$ARCH.txt

# --- 1. wheel and wheelhouse (on the host) ----------------------------------------
say "building the livehost wheel and the $ARCH/py$PYVER wheelhouse"
# Any Python with pip will do: it only builds a pure-Python wheel and downloads.
HOSTPY=${HOSTPY:-$( [ -x "$SRC/.venv/bin/python" ] && echo "$SRC/.venv/bin/python" || echo python3)}
"$HOSTPY" -m pip wheel -q --no-deps -w "$WORK/wheels" "$TREE"
# vosk's srt (subtitles, pure Python) ships no wheel on PyPI: build it here, so the
# binary-only download below finds it in the wheelhouse
"$HOSTPY" -m pip wheel -q --no-deps -w "$WORK/wheels" \
    "srt==$(sed -n 's/^srt==//p' "$TREE/image/constraints-x86_64.txt")"
WHEEL=$(ls "$WORK"/wheels/livehost-*.whl)
SPEC="livehost${EXTRAS:+[$EXTRAS]}"
"$HOSTPY" -m pip download -q -d "$WORK/wheels" -c "$CONSTRAINTS" \
    --only-binary=:all: --platform "manylinux2014_$ARCH" --platform "manylinux_2_28_$ARCH" \
    --platform "manylinux_2_17_$ARCH" --platform "linux_$ARCH" \
    --python-version "$PYVER" --implementation cp --find-links "$WORK/wheels" \
    "$SPEC @ file://$WHEEL"

# --- 2. files ------------------------------------------------------------------------
say "installing units, config and scripts into $ROOTFS"
make -s -C "$TREE" install-files DESTDIR="$ROOTFS"

# --- 3. the venv, built where it will run -------------------------------------------
say "creating /opt/livehost/venv inside the rootfs"
mkdir -p "$ROOTFS/tmp/livehost-wheels"
cp "$WORK"/wheels/*.whl "$CONSTRAINTS" "$ROOTFS/tmp/livehost-wheels/"
if [ -n "$ORT_WHEEL" ]; then
    mkdir -p "$ROOTFS/tmp/livehost-wheels/ort-gpu"
    cp "$ORT_WHEEL" "$ROOTFS/tmp/livehost-wheels/ort-gpu/"
fi
for fs in proc sys dev; do
    mount --bind "/$fs" "$ROOTFS/$fs" && MOUNTS+=("$ROOTFS/$fs")
done
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" PYTHONHASHSEED=0 PIP_NO_INPUT=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"; }
# Runtime OS packages: GStreamer with its Python bindings (PyGObject comes from the
# distribution, not PyPI), gst-inspect for the probe, ffmpeg for the RTMP relay
# (livehost.stream.relay), kill for ExecReload=.
# The same names on Ubuntu 22.04 (JetPack 6) and Debian 12.
OS_PACKAGES="python3-venv python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
 gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad ffmpeg procps"
if [ "$APT" = 1 ]; then
    say "installing OS packages in the rootfs"
    # Ubuntu's resolv.conf is a symlink into /run: set it aside, put it back at the end.
    if [ -e "$ROOTFS/etc/resolv.conf" ] || [ -L "$ROOTFS/etc/resolv.conf" ]; then
        mv "$ROOTFS/etc/resolv.conf" "$ROOTFS/etc/resolv.conf.livehost-build"
    fi
    RESOLV_SET=1
    cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    in_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        $OS_PACKAGES
fi
# --system-site-packages: the venv sees the distribution's PyGObject (gi) and, on the
# Jetson, TensorRT's bindings (python3-libnvinfer); our pinned packages still win.
in_root "/usr/bin/python$PYVER" -m venv --system-site-packages /opt/livehost/venv
in_root /opt/livehost/venv/bin/pip install -q --no-index --find-links /tmp/livehost-wheels \
    -c "/tmp/livehost-wheels/$(basename "$CONSTRAINTS")" "$SPEC"

# --- 4. onnxruntime-gpu instead of the CPU build -------------------------------------
if [ -n "$ORT_WHEEL" ]; then
    say "replacing onnxruntime with $(basename "$ORT_WHEEL")"
    in_root /opt/livehost/venv/bin/pip uninstall -q -y onnxruntime || true
    # --no-deps: its numpy/protobuf pins must not move ours; piper-tts' requirement on
    # "onnxruntime" is met by the same module under another distribution name.
    in_root /opt/livehost/venv/bin/pip install -q --no-index --no-deps \
        "/tmp/livehost-wheels/ort-gpu/$(basename "$ORT_WHEEL")"
    if in_root /opt/livehost/venv/bin/pip show -q onnxruntime >/dev/null 2>&1; then
        echo "the CPU onnxruntime is still installed and would shadow the GPU one" >&2
        exit 1
    fi
elif [ "$NOT_JETSON" = 0 ]; then
    echo "warning: no --ort-wheel: inference will run on the CPU" >&2
fi

# --- 5. users, folders, units ---------------------------------------------------------
say "creating the livehost user and folders, enabling units"
systemd-sysusers --root="$ROOTFS" "$ROOTFS/usr/lib/sysusers.d/livehost.conf"
systemd-tmpfiles --create --root="$ROOTFS" "$ROOTFS/usr/lib/tmpfiles.d/livehost.conf"
if [ "$ENABLE" = 1 ]; then
    systemctl --root="$ROOTFS" enable livehost.service livehost-provision.service
fi

# --- 6. what was built ------------------------------------------------------------------
{
    src=$(git -C "$SRC" describe --always 2>/dev/null || echo unknown)
    [ "$WORKTREE" = 1 ] && src="$src+worktree"
    echo "source: $src"
    echo "source_date_epoch: $SOURCE_DATE_EPOCH"
    echo "target: $ARCH python$PYVER"
    echo "constraints_sha256: $(sha256sum "$CONSTRAINTS" | cut -d' ' -f1)"
    [ -n "$ORT_WHEEL" ] && echo "onnxruntime_gpu_wheel_sha256: $(sha256sum "$ORT_WHEEL" | cut -d' ' -f1)"
    echo "installed:"
    in_root /opt/livehost/venv/bin/pip freeze --all | sed 's/^/  /'
} > "$ROOTFS/opt/livehost/BUILD-INFO"
say "done: $(grep -c '^  ' "$ROOTFS/opt/livehost/BUILD-INFO") packages in /opt/livehost/venv"
