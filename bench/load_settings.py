"""The production settings plus a bare view outside the project's URLconf, for bench/load.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
