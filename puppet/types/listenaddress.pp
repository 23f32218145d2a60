# SPDX-License-Identifier: Apache-2.0

# @summary A listener of egdd or trng-httpd ([egd] listen, [http] listen).
#
# "HOST:PORT", "[IPv6]:PORT", "unix:/PATH", "proxy:unix:/PATH" or "proxy:HOST:PORT"
# (common/listen_address.h). A proxy: listener takes a PROXY v1 header naming the
# real client: keep it where only the TLS front end can reach it.
type Egd::ListenAddress = Pattern[
  /\A(proxy:)?unix:\/\S+\z/,
  /\A(proxy:)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}\z/,
]
