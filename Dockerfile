# slsguard as a container: `docker run --rm -v "$PWD:/src" slsguard scan /src`.
# The base is pinned by digest (refresh it with Dependabot's `docker` ecosystem or
# `docker buildx imagetools inspect python:3.12-slim`), so a rebuilt image changes only
# when we say so.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

# git: project-root detection, tracked files and `--diff-base`. The mounted tree belongs to
# the host's user, not to the image's: `safe.directory` lets git read it there (git reads
# it only from protected configuration, so it is set for the system and for the user).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /src

# The package from this source tree, never from an index: the image is what was reviewed.
COPY pyproject.toml README.md LICENSE /tmp/slsguard/
COPY src /tmp/slsguard/src
RUN python -m pip install --no-cache-dir --disable-pip-version-check /tmp/slsguard \
    && rm -rf /tmp/slsguard

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin slsguard
USER slsguard
RUN git config --global --add safe.directory /src
WORKDIR /src

ENTRYPOINT ["slsguard"]
CMD ["scan", "/src"]
