#!/bin/sh
# The tests' stand-in for the official slim Python image (registries are out of reach here):
# Debian bookworm from the host's own apt mirror, with python3, its venv module and pip.
# Usage: build-base.sh MIRROR TAG WORKDIR   (podman's configuration comes from the environment)
set -eu
mirror=$1 tag=$2 work=$3
root="$work/rootfs"
rm -rf "$root"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# Where outbound HTTPS passes a proxy with its own certificate authority, trust it as the host does.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
# pip's own certificate bundle would not know that authority: use the system's.
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar --numeric-owner -C "$root" -c . | podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
rm -rf "$root"
