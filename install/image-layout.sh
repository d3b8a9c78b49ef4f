#!/bin/sh
# image-layout.sh ROOT BINARY: lays out ROOT as Go Multus's image is laid out
# (images/Dockerfile, images/Dockerfile.thick), every path one of the faces of
# the one static multus-swift BINARY, chosen by the name it is started as:
#
#   /usr/src/multus-cni/bin/multus-swift     the binary
#   /usr/src/multus-cni/bin/multus           the thin CNI plugin (install_multus --type thin copies it)
#   /usr/src/multus-cni/bin/passthru         the auxiliary chain's head (copied by install_multus)
#   /usr/src/multus-cni/bin/multus-shim      thick mode's CNI plugin (install_multus --type thick)
#   /usr/src/multus-cni/bin/multus-daemon    thick mode's daemon
#   /usr/src/multus-cni/bin/install_multus   as the thick DaemonSet runs it
#   /usr/src/multus-cni/bin/thin_entrypoint
#   /thin_entrypoint, /install_multus        as the thin DaemonSet runs them
#   /multus-swift                            the image's entrypoint before it took Go's names
#
# Symbolic links, not copies: one binary in the image. Used by
# install/Containerfile's build and by the tests that run Go's DaemonSet
# commands in such a root.
set -eu
root=$1
binary=$2
bin=$root/usr/src/multus-cni/bin
mkdir -p "$bin"
cp "$binary" "$bin/multus-swift"
chmod 0755 "$bin/multus-swift"
for face in multus passthru multus-shim multus-daemon install_multus thin_entrypoint; do
    ln -sfn multus-swift "$bin/$face"
done
for face in thin_entrypoint install_multus multus-swift; do
    ln -sfn usr/src/multus-cni/bin/multus-swift "$root/$face"
done
