"""Guest images: Nubo's own test image built from Debian packages, and config drives."""

from nubo.guest.build import BuildResult, build_test_image, cached_test_image
from nubo.guest.tools import GuestBuildError

__all__ = ["BuildResult", "GuestBuildError", "build_test_image", "cached_test_image"]
