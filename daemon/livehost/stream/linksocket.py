"""The sending child's TCP connection to the ingest, seen from the parent.

The network half of a session runs in a child (ffmpeg, gst-launch) that we cannot ask
about its socket, so we take a copy of the socket itself (pidfd_getfd, Linux 5.6; the
child is ours, so the usual ptrace policy lets us without extra privilege). The copy
tells how many bytes wait in the connection's send queue (a short uplink's backlog, for
stream/uplink.py) and whether the ingest still reads (the receive window it advertises),
and it lets us make the child's death a reset: a killed sender's socket otherwise lives
on in the kernel until its queue has drained, which on a slow link takes seconds, and
meanwhile the ingest keeps the old publish open and refuses the next one ("Already
publishing"). All of it is best effort: without the syscall (or where it is refused),
nothing changes, and it is not tried again.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import socket
import struct
import time

PIDFD_GETFD = 438  # the syscall's number on x86-64 and arm64 (the common numbering)
_libc = ctypes.CDLL(None, use_errno=True)
LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset
SIOCOUTQ = 0x5411  # ioctl: bytes in a TCP send queue, unsent or unacknowledged
SND_WND_AT = 228  # offset of tcpi_snd_wnd (the peer's receive window) in struct tcp_info
# pidfd_getfd missing (kernel before 5.6) or refused (ptrace policy): true of every child
GETFD_UNAVAILABLE = (errno.ENOSYS, errno.EPERM)

log = logging.getLogger(__name__)
_getfd_unavailable = False  # set on the first such failure: from then on nothing is tried


def _pidfd_getfd(pidfd: int, fd: int) -> int:
    """A copy of the child's descriptor `fd` in this process (OSError on failure)."""
    copy = _libc.syscall(PIDFD_GETFD, pidfd, fd, 0)
    if copy < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return copy


def child_tcp_sockets(pid: int) -> list[socket.socket]:
    """Copies of the TCP sockets child `pid` holds (an empty list where that cannot be)."""
    global _getfd_unavailable
    if _getfd_unavailable:
        return []
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return []
    copies: list[socket.socket] = []
    try:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return []  # the child ended meanwhile
        for name in names:
            try:
                if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                    continue
                fd = _pidfd_getfd(pidfd, int(name))
            except OSError as exc:
                if exc.errno == errno.ESRCH:
                    break  # the child ended meanwhile
                if exc.errno in GETFD_UNAVAILABLE:
                    # the same for every child, for good: do not rescan /proc for nothing
                    _getfd_unavailable = True
                    log.info("no copies of the senders' sockets (pidfd_getfd: %s)", exc.strerror)
                    for copy in copies:
                        copy.close()
                    return []
                continue  # that descriptor closed meanwhile; the others may still be there
            try:
                copy = socket.socket(fileno=fd)
            except OSError:
                os.close(fd)  # the number was reused meanwhile, for something not a socket
                continue
            if copy.type == socket.SOCK_STREAM and copy.family in (socket.AF_INET, socket.AF_INET6):
                copies.append(copy)
            else:
                copy.close()
    finally:
        os.close(pidfd)
    return copies


class LinkSocket:
    """The connection of one sending child, once it has one."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._copy: socket.socket | None = None
        self._next_look = 0.0  # no copy yet: when to look in /proc again

    def backlog(self) -> int:
        """Bytes handed to the connection that the ingest has not acknowledged yet. (Not
        only the unsent ones: a link that stalls, TCP backing off, has sent them all.)"""
        copy = self._get()
        if copy is None:
            return 0
        try:
            raw = fcntl.ioctl(copy.fileno(), SIOCOUTQ, b"\0\0\0\0")
        except OSError:
            return 0
        return struct.unpack("i", raw)[0]

    def send_buffer(self) -> int:
        """The connection's send buffer in bytes (what the backlog can grow to); 0 unknown."""
        copy = self._get()
        if copy is None:
            return 0
        with contextlib.suppress(OSError):
            return copy.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        return 0

    def peer_window(self) -> int | None:
        """The receive window the ingest advertises, in bytes (None: unknown)."""
        copy = self._get()
        if copy is None:
            return None
        try:
            info = copy.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        except OSError:
            return None
        if len(info) < SND_WND_AT + 4:
            return None  # a kernel before 5.4
        return struct.unpack_from("I", info, SND_WND_AT)[0]

    def reset(self, child_running: bool = True) -> None:
        """Before killing the child, or after it exited: its connection ends with a reset,
        at once. `child_running` False: only our copy is reset (the child's pid may have
        been reaped and reused, and its sockets went with it anyway)."""
        copies = child_tcp_sockets(self.pid) if child_running else []
        if self._copy is not None:
            copies.append(self._copy)
            self._copy = None
        for copy in copies:
            with contextlib.suppress(OSError):
                copy.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            copy.close()

    def close(self) -> None:
        """Let go of our copy (it would keep the connection open after the child ends)."""
        if self._copy is not None:
            self._copy.close()
            self._copy = None

    def _get(self) -> socket.socket | None:
        if self._copy is None and time.monotonic() >= self._next_look:
            self._next_look = time.monotonic() + 1.0  # at most once a second
            copies = child_tcp_sockets(self.pid)
            if copies:
                self._copy = copies.pop(0)
            for extra in copies:
                extra.close()
        return self._copy


class ReaderWatch:
    """Tells when the ingest stopped reading what we send: the receive window it advertises
    shrank and has not grown back for `patience` seconds.

    A hung ingest (a stopped process, a stuck server) keeps ACKing into its socket's
    receive buffer until that is full, and the buffer grows with the stream (we saw
    nginx's reach 480 kB: 2.5 s of a 1.5 Mbit/s stream) before our writes block at all.
    A reader that reads keeps its window wide open; one that stopped lets it close."""

    def __init__(self, link: LinkSocket, patience: float) -> None:
        self.link = link
        self.patience = patience
        self._widest = 0
        self._last = 0
        self._closing_since: float | None = None
        self._next_look = 0.0

    def stopped(self, now: float) -> bool:
        if now < self._next_look:
            return False
        self._next_look = now + 0.25  # plenty to tell a stall of `patience` (2 s)
        window = self.link.peer_window()
        if window is None:
            return False
        self._widest = max(self._widest, window)
        if window > self._last or window >= 0.9 * self._widest:
            self._closing_since = None  # it read: the window opened again
        elif self._closing_since is None:
            self._closing_since = now
        self._last = window
        return self._closing_since is not None and now - self._closing_since >= self.patience
