"""The bundled demo portrait: a public-domain photo that ships inside a wheel.

Grace Hopper's official US Navy portrait (matplotlib sample data) is used rather than
scikit-image's astronaut: her mouth is closed, which is the neutral pose the warp engine
opens from (the astronaut smiles with teeth showing, so "closed" would have to be
invented), and her face is twice as large in the frame (90 px between the eyes vs 43).
"""

from __future__ import annotations

from pathlib import Path

from livehost.avatar.manifest import PublicDomainSource

DEFAULT_NAME = "grace-hopper-demo"

RECORD = PublicDomainSource(
    title="Commodore Grace M. Hopper, USN (covered)",
    person="Grace Hopper (1906-1992)",
    origin="matplotlib sample data grace_hopper.jpg (official US Navy portrait, "
           "a work of the US federal government)",
    licence="public domain",
    demo_only=True,
)


def default_portrait_path() -> Path:
    try:
        from matplotlib import cbook
    except ImportError as exc:
        raise RuntimeError("the demo portrait ships with matplotlib: "
                           "pip install 'livehost[avatar-build]'") from exc
    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
