"""Avatar packages: a portrait, its face landmarks, and who agreed to be shown.

Building a package (`livehost avatar build`) needs the `avatar-build` extra for landmark
detection; loading one needs only numpy and OpenCV.
"""

from livehost.avatar.package import Avatar, AvatarError, load_avatar

__all__ = ["Avatar", "AvatarError", "load_avatar"]
