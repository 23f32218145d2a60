# SPDX-License-Identifier: Apache-2.0

# @summary The daemon listener that a stunnel `connect` with `protocol = proxy` reaches.
#
# A unix socket path becomes "proxy:unix:PATH" (keep its directory closed to other
# users: egdd and trng-httpd check that), "HOST:PORT" becomes "proxy:HOST:PORT"
# (the daemon then needs proxy_trusted_peers, and any local process on a trusted
# address could claim any client address: prefer unix sockets).
# @param connect
#   The stunnel instance's `connect`: an absolute path or "HOST:PORT".
# @return [String] The listen address for egdd's [egd] listen or trng-httpd's [http].
# @example
#   egd::proxy_listener('/run/egdd/proxy/egd.sock')   # => 'proxy:unix:/run/egdd/proxy/egd.sock'
function egd::proxy_listener(Egd::StunnelAddress $connect) >> String {
  $connect ? {
    Stdlib::Absolutepath => "proxy:unix:${connect}",
    /\A[0-9]+\z/         => fail("egd: a stunnel connect needs HOST:PORT or a socket path, not a bare port (${connect})"),
    default              => "proxy:${connect}",
  }
}
