# SPDX-License-Identifier: Apache-2.0

# @summary Where stunnel accepts or connects: a TCP endpoint or a unix socket path.
#
# "HOST:PORT", "[IPv6]:PORT", a bare port (accept: every address), or an absolute
# path (a unix socket: stunnel's `accept = /PATH`, `connect = /PATH`).
type Egd::StunnelAddress = Variant[Egd::Endpoint, Stdlib::Absolutepath]
