# @summary An entropy host: egdd, trng-httpd, and stunnel serving EGD (:7776), HTTPS (:8443) and operators (:8444).
#
# egdd serves a hardware TRNG; trng-httpd its HTTP API and web page. Only stunnel
# faces the network, one instance per service, each under its own user with its own
# key (stunnel/README.md):
#
# * `egd-server` (:7776): EGD, mutual TLS, allow-list `allowed_clients`, CRL ->
#   egdd's PROXY socket `egd_connect`;
# * `https-server` (:8443): HTTPS, server-only TLS -> trng-httpd's public socket
#   (public role: init/shutdown/restart answer 403);
# * `https-operator` (:8444): HTTPS, mutual TLS, allow-list `operators`, CRL ->
#   trng-httpd's operator socket (operator role).
#
# The hops between our own processes are unix sockets by default, in directories
# only the services involved can enter (proxy/, public/, operator/: made by the
# units, or by this module with egd::manage_run_dirs). trng-httpd also serves the
# operator role on 127.0.0.1:8000 (`httpd_listen`) for local scripts.
#
# install -> config ~> service: a configuration change restarts the services; a CRL
# change only reloads the stunnel instances (egd::crl_file).
#
# @example Certificates from scripts/egd-pki, two clients, one operator
#   class { 'egd::host':
#     source_kind     => 'serial',
#     cert            => '/etc/stunnel/egd/entropy1.example.org.crt',
#     key             => '/etc/stunnel/egd/entropy1.example.org.key',
#     ca              => '/etc/stunnel/egd/ca.crt',
#     crl             => file('/srv/egd-pki/crl.pem'),
#     allowed_clients => ['hv1.example.org', 'hv2.example.org'],
#     https_cert      => '/etc/stunnel/egd/https.crt',
#     https_key       => '/etc/stunnel/egd/https.key',
#     operators       => ['alice'],
#     operator_cert   => '/etc/stunnel/egd/operator-service.crt',
#     operator_key    => '/etc/stunnel/egd/operator-service.key',
#   }
#
# @example Key material from Hiera (eyaml), written by the module
#   class { 'egd::host':
#     cert            => lookup('egd_host_cert'),                  # PEM text
#     key             => Sensitive(lookup('egd_host_key')),
#     ca              => lookup('egd_ca_cert'),
#     crl             => lookup('egd_crl'),
#     allowed_clients => ['hv1.example.org'],
#     https_cert      => lookup('egd_https_cert'),
#     https_key       => Sensitive(lookup('egd_https_key')),
#     manage_operator => false,                                    # operators use 127.0.0.1:8000
#   }
#
# @param packages
#   Debian packages of an entropy host (with egd::manage_package).
# @param config_dir
#   Directory of egdd.toml.
# @param run_dir
#   egdd's run directory: control.sock, egd.sock and proxy/egd.sock by default.
# @param source_kind
#   egdd's entropy source: serial (a TRNG on a serial port), hwrng (a character
#   device or FIFO such as /dev/hwrng), file (replay a capture), os (getrandom(), no TRNG).
# @param source_path
#   Device (hwrng) or capture file (file).
# @param entropy_per_bit
#   Upper bound on the min-entropy credited per raw bit, in (0, 1]: egdd credits
#   what its own SP 800-90B assessment of the device found, lowered to this.
# @param entropy_certified
#   true: entropy_per_bit comes from an external certificate (e.g. an SP 800-90B
#   validation of the device) and is credited as is, without egdd's assessment.
# @param state_dir
#   Where egdd keeps its assessments (one small file per device; no entropy).
# @param sources
#   Several devices on this host: one egdd [[source]] table each (a name, its
#   kind, path or serial port and baud rate, and optionally its own
#   entropy_per_bit / entropy_certified, else the class's). Each has its own
#   health tests, assessment and state; an alarm on one stops that one alone.
#   Empty (the default): the one source of source_kind, source_path and
#   serial_port.
# @param serial_port
#   Serial port of the TRNG (source_kind serial).
# @param baud_rate
#   Its baud rate.
# @param egd_listen
#   egdd's EGD listeners for local clients ("unix:/PATH", "IP:PORT", "[IPv6]:PORT"),
#   besides the PROXY listener for stunnel (made from `egd_connect`). undef:
#   ["unix:`run_dir`/egd.sock"]. A TCP-only client (ekeyd-egd-linux) needs a TCP
#   listener such as "127.0.0.1:8888"; the risk: while egdd restarts, any local user
#   can bind that port and serve chosen bytes to whoever connects.
# @param pool_size_bytes
#   Tested bytes egdd holds ready.
# @param output_mode
#   raw (health-tested TRNG bytes unchanged) or conditioned.
# @param client_rate_limit
#   Bytes/s each client (egdd's [egd] client_rate_limit; after PROXY resolution,
#   per address or IPv6 prefix) may read; 0 = unlimited.
# @param max_clients
#   egdd's [egd] max_clients: EGD connections at once (stunnel's clients each hold
#   one; docs/deploy.md sizes it).
# @param max_clients_per_address
#   egdd's [egd] max_clients_per_address: connections per client address (IPv6:
#   per `ipv6_prefix`); 0 = a quarter of max_clients.
# @param ipv6_prefix
#   IPv6 clients of egdd and trng-httpd are counted and limited per prefix of this
#   length ([egd] and [http] ipv6_prefix).
# @param log_level
#   Log level of egdd and trng-httpd.
# @param egdd_options
#   Further egdd.toml settings, section => key => value, merged over the ones above
#   (e.g. `{ 'egd' => { 'proxy_trusted_peers' => [...] } }` for a TCP `egd_connect`).
# @param manage_httpd
#   Configure and run trng-httpd, and the HTTPS stunnel instances in front of it.
# @param httpd_config_dir
#   Directory of trng-httpd.toml.
# @param httpd_run_dir
#   trng-httpd's run directory: files/ (generated test data), public/ and operator/
#   (the sockets of the HTTPS instances).
# @param httpd_listen
#   trng-httpd's plain operator-role listeners besides the one for `operator_connect`:
#   the manual's API for local scripts and browsers. Keep them on loopback: whoever
#   reaches them may shut the device down.
# @param httpd_egd
#   egdd's EGD listener as trng-httpd reaches it ("unix:/PATH" or "HOST:PORT");
#   undef: egdd's internal listener `run_dir`/internal.sock ([egd] internal_listen,
#   made for it), so trng-httpd's connection is not counted as an EGD client.
# @param httpd_allowed_hosts
#   Host header values trng-httpd accepts besides loopback names ([http]
#   allowed_hosts: names the browsers use, against DNS rebinding), added to this
#   host's FQDN and primary IP address (facts).
# @param httpd_client_rate_limit
#   Random bytes/s each HTTP client may get ([limits] client_rate_limit); 0 = unlimited.
# @param httpd_max_clients_per_address
#   trng-httpd's [http] max_clients_per_address; 0 = a quarter of its connection limit.
# @param httpd_options
#   Further trng-httpd.toml settings, section => key => value.
# @param auth
#   How EGD clients authenticate to the stunnel server: cert (mutual TLS against
#   `ca`, `crl` and the allow-list `allowed_clients`) or psk (the `psk_secrets` file).
# @param egd_accept
#   Where the EGD stunnel instance takes TLS connections (a port: every address).
# @param egd_connect
#   egdd's PROXY listener, which the EGD stunnel instance connects to: a socket path
#   (undef: `run_dir`/proxy/egd.sock) or "HOST:PORT" (then set egdd's
#   proxy_trusted_peers in `egdd_options`; any local process on that address could
#   claim any client address).
# @param cert
#   This host's EGD certificate: a path, or PEM text written to `tls_dir`/egd-host.crt.
#   Required with auth cert.
# @param key
#   Its private key: a path, or Sensitive PEM text written to `tls_dir`/egd-host.key;
#   owned by the egd-server instance's user, 0400.
# @param ca
#   The private CA that signed the client certificates: a path, or PEM text.
# @param crl
#   The CA's revocation list (`egd-pki crl`: DIR/crl.pem): a path, or PEM text written
#   to `tls_dir`/egd-host.crl. CRLfile of the egd-server and https-operator
#   instances; a change reloads them, so connected clients stay (a revoked client's
#   established connection too, until it closes or the instance restarts). With a
#   CRL, every CA that signs clients or operators needs its CRL in this file.
# @param allowed_clients
#   Allow-list: the client certificates' DNS names (checkHost). Required with auth
#   cert. Removing a name locks that client out after the restart.
# @param psk_secrets
#   With auth psk: IDENTITY:HEXKEY lines of every allowed client (a path, or Sensitive
#   content written to `tls_dir`/egd-server.psk).
# @param handshake_timeout
#   Seconds a client may take over the TLS handshake on every server instance
#   (stunnel's TIMEOUTbusy); idle EGD connections are never timed out.
# @param manage_https
#   Run the public HTTPS instance in front of trng-httpd (with manage_httpd).
# @param https_accept
#   Where public HTTPS is served.
# @param https_connect
#   trng-httpd's public-role PROXY listener, which the HTTPS instance connects to:
#   undef: `httpd_run_dir`/public/http.sock.
# @param https_cert
#   The HTTPS certificate (path or PEM text, to `tls_dir`/https.crt). Required with
#   manage_https.
# @param https_key
#   Its key (path or Sensitive PEM text, to `tls_dir`/https.key): never the EGD key.
# @param manage_operator
#   Run the operator instance (mutual TLS, `operators`) in front of trng-httpd's
#   operator role (with manage_httpd). Without it, operators control the device on
#   the host itself (`httpd_listen`).
# @param operator_accept
#   Where operators connect.
# @param operator_connect
#   trng-httpd's operator-role PROXY listener: undef: `httpd_run_dir`/operator/http.sock.
# @param operators
#   Allow-list of the operator instance: the operator certificates' names
#   (`egd-pki operator DIR NAME`). Required with manage_operator.
# @param operator_cert
#   The operator instance's server certificate (path or PEM text, to
#   `tls_dir`/https-operator.crt). Required with manage_operator.
# @param operator_key
#   Its key (path or Sensitive PEM text, to `tls_dir`/https-operator.key).
# @param operator_ca
#   The CA that signed the operator certificates; undef: `ca`.
class egd::host (
  Array[String[1]]                                     $packages,
  Stdlib::Absolutepath                                 $config_dir,
  Stdlib::Absolutepath                                 $run_dir,
  Enum['serial', 'hwrng', 'file', 'os']                $source_kind,
  Stdlib::Absolutepath                                 $source_path,
  Float[0.0001, 1.0]                                   $entropy_per_bit,
  Boolean                                              $entropy_certified,
  Stdlib::Absolutepath                                 $state_dir,
  Array[Egd::Source]                                   $sources,
  Stdlib::Absolutepath                                 $serial_port,
  Integer[1200, 4000000]                               $baud_rate,
  Optional[Array[Egd::ListenAddress]]                  $egd_listen,
  Integer[256, 1073741824]                             $pool_size_bytes,
  Enum['raw', 'conditioned']                           $output_mode,
  Integer[0]                                           $client_rate_limit,
  Integer[1, 1000000]                                  $max_clients,
  Integer[0]                                           $max_clients_per_address,
  Integer[1, 128]                                      $ipv6_prefix,
  Enum['error', 'warning', 'notice', 'info', 'debug']  $log_level,
  Egd::TomlSections                                    $egdd_options,
  Boolean                                              $manage_httpd,
  Stdlib::Absolutepath                                 $httpd_config_dir,
  Stdlib::Absolutepath                                 $httpd_run_dir,
  Array[Egd::ListenAddress]                            $httpd_listen,
  Optional[Pattern[/\Aunix:\/\S+\z/, /\A(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}\z/]] $httpd_egd,
  Array[String[1]]                                     $httpd_allowed_hosts,
  Integer[0]                                           $httpd_client_rate_limit,
  Integer[0]                                           $httpd_max_clients_per_address,
  Egd::TomlSections                                    $httpd_options,
  Enum['cert', 'psk']                                  $auth,
  Egd::Endpoint                                        $egd_accept,
  Optional[Egd::StunnelAddress]                        $egd_connect,
  Optional[Egd::Certificate]                           $cert,
  Optional[Egd::Secret]                                $key,
  Optional[Egd::Certificate]                           $ca,
  Optional[Egd::Crl]                                   $crl,
  Array[String[1]]                                     $allowed_clients,
  Optional[Egd::Secret]                                $psk_secrets,
  Integer[1, 3600]                                     $handshake_timeout,
  Boolean                                              $manage_https,
  Egd::Endpoint                                        $https_accept,
  Optional[Egd::StunnelAddress]                        $https_connect,
  Optional[Egd::Certificate]                           $https_cert,
  Optional[Egd::Secret]                                $https_key,
  Boolean                                              $manage_operator,
  Egd::Endpoint                                        $operator_accept,
  Optional[Egd::StunnelAddress]                        $operator_connect,
  Array[String[1]]                                     $operators,
  Optional[Egd::Certificate]                           $operator_cert,
  Optional[Egd::Secret]                                $operator_key,
  Optional[Egd::Certificate]                           $operator_ca,
) {
  if $auth == 'cert' {
    if $cert =~ Undef or $key =~ Undef or $ca =~ Undef {
      fail('egd::host: auth cert needs cert, key and ca')
    }
    if $allowed_clients.empty {
      fail('egd::host: auth cert needs allowed_clients (the allow-list of client names)')
    }
  } elsif $psk_secrets =~ Undef {
    fail('egd::host: auth psk needs psk_secrets')
  }
  $https = $manage_httpd and $manage_https
  $operator = $manage_httpd and $manage_operator
  if $https and ($https_cert =~ Undef or $https_key =~ Undef) {
    fail('egd::host: HTTPS needs https_cert and https_key of its own (or manage_https => false)')
  }
  if $operator {
    if $operator_cert =~ Undef or $operator_key =~ Undef or $operators.empty {
      fail('egd::host: the operator service needs operators, operator_cert and operator_key (or manage_operator => false)')
    }
    if $operator_ca =~ Undef and $ca =~ Undef {
      fail('egd::host: the operator service needs operator_ca (or ca)')
    }
  }
  # Every instance reads only its own key: one key file cannot serve two of them.
  $key_paths = [$key, $https_key, $operator_key].filter |$k| { $k =~ Stdlib::Absolutepath }
  if $key_paths.unique.length != $key_paths.length {
    fail('egd::host: key, https_key and operator_key must be different files (one key per stunnel instance)')
  }

  # Our own hops: unix sockets under the run directories unless given.
  $real_egd_connect = pick($egd_connect, "${run_dir}/proxy/egd.sock")
  $real_https_connect = pick($https_connect, "${httpd_run_dir}/public/http.sock")
  $real_operator_connect = pick($operator_connect, "${httpd_run_dir}/operator/http.sock")
  $real_egd_listen = pick($egd_listen, ["unix:${run_dir}/egd.sock"])
  # trng-httpd reads through egdd's internal listener unless told otherwise, so
  # egdd counts it apart from the EGD clients (status internal_clients).
  $internal_listen = ($manage_httpd and $httpd_egd =~ Undef) ? {
    true    => ["unix:${run_dir}/internal.sock"],
    default => [],
  }
  $real_httpd_egd = pick($httpd_egd, "unix:${run_dir}/internal.sock")

  include egd
  contain egd::host::install
  contain egd::host::config
  contain egd::host::service

  Class['egd::host::install'] -> Class['egd::host::config'] ~> Class['egd::host::service']

  # Outside the config class: a CRL change reloads stunnel, never restarts it.
  if $crl =~ NotUndef and ($auth == 'cert' or $operator) {
    $crl_instances = [
      if $auth == 'cert' { 'egd-server' },
      if $operator { 'https-operator' },
    ].filter |$i| { $i =~ NotUndef }
    egd::crl_file { 'egd::host crl':
      source    => $crl,
      path      => "${egd::tls_dir}/egd-host.crl",
      instances => $crl_instances,
      require   => Class['egd::host::install'],
    }
  }
}
