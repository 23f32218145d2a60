# @summary An entropy host: egdd, trng-httpd, and stunnel serving EGD (:7776) and HTTPS (:8443).
#
# egdd serves a hardware TRNG; trng-httpd its HTTP API and web page; stunnel
# carries EGD (mutual TLS or PSK, with an allow-list of clients) and HTTPS to the
# network.
#
# egdd and trng-httpd stay on loopback; only stunnel faces the network (see
# stunnel/README.md). install -> config ~> service: a configuration change restarts
# the services.
#
# @example Certificates from scripts/egd-pki, two clients allowed
#   class { 'egd::host':
#     source_kind     => 'serial',
#     cert            => '/etc/stunnel/egd/entropy1.example.org.crt',
#     key             => '/etc/stunnel/egd/entropy1.example.org.key',
#     ca              => '/etc/stunnel/egd/ca.crt',
#     allowed_clients => ['hv1.example.org', 'hv2.example.org'],
#   }
#
# @example Key material from Hiera (eyaml), written by the module
#   class { 'egd::host':
#     cert            => lookup('egd_host_cert'),                  # PEM text
#     key             => Sensitive(lookup('egd_host_key')),
#     ca              => lookup('egd_ca_cert'),
#     allowed_clients => ['hv1.example.org'],
#   }
#
# @param packages
#   Debian packages of an entropy host (with egd::manage_package).
# @param config_dir
#   Directory of egdd.toml.
# @param run_dir
#   egdd's run directory; its control socket is `run_dir`/control.sock.
# @param source_kind
#   egdd's entropy source: serial (a TRNG on a serial port), hwrng (a character
#   device or FIFO such as /dev/hwrng), file (replay a capture), os (getrandom(), no TRNG).
# @param source_path
#   Device (hwrng) or capture file (file).
# @param entropy_per_bit
#   Assessed min-entropy per raw bit, in (0, 1].
# @param serial_port
#   Serial port of the TRNG (source_kind serial).
# @param baud_rate
#   Its baud rate.
# @param egd_listen
#   egdd's EGD listeners ("IP:PORT", "[IPv6]:PORT", "unix:/PATH", "proxy:IP:PORT"). The
#   stunnel server connects to the proxy: listener (`egd_connect`).
# @param pool_size_bytes
#   Tested bytes egdd holds ready.
# @param output_mode
#   raw (health-tested TRNG bytes unchanged) or conditioned.
# @param client_rate_limit
#   Bytes/s each client address may read; 0 = unlimited.
# @param log_level
#   Log level of egdd and trng-httpd.
# @param egdd_options
#   Further egdd.toml settings, section => key => value, merged over the ones above.
# @param manage_httpd
#   Configure and run trng-httpd, and the HTTPS stunnel in front of it.
# @param httpd_config_dir
#   Directory of trng-httpd.toml.
# @param httpd_run_dir
#   Where trng-httpd keeps generated test data files.
# @param httpd_listen
#   trng-httpd's plain HTTP listener (keep it on loopback; stunnel serves HTTPS).
# @param httpd_egd
#   egdd's EGD listener as trng-httpd reaches it ("HOST:PORT" or "unix:/PATH").
# @param httpd_options
#   Further trng-httpd.toml settings, section => key => value.
# @param auth
#   How EGD clients authenticate to the stunnel server: cert (mutual TLS against
#   `ca` and the allow-list `allowed_clients`) or psk (the `psk_secrets` file).
# @param egd_accept
#   Where the stunnel server takes TLS connections (a port: every address).
# @param egd_connect
#   egdd's proxy: listener, which the stunnel server connects to.
# @param cert
#   This host's certificate: a path, or PEM text written to `tls_dir`/egd-host.crt.
#   Required with auth cert, and the HTTPS default.
# @param key
#   Its private key: a path, or Sensitive PEM text written to `tls_dir`/egd-host.key.
# @param ca
#   The private CA that signed the client certificates: a path, or PEM text.
# @param allowed_clients
#   Allow-list: the client certificates' DNS names (checkHost). Required with auth
#   cert. Removing a name locks that client out after the restart.
# @param psk_secrets
#   With auth psk: IDENTITY:HEXKEY lines of every allowed client (a path, or Sensitive
#   content written to `tls_dir`/egd-server.psk).
# @param manage_https
#   Run stunnel's HTTPS service in front of trng-httpd (with manage_httpd).
# @param https_accept
#   Where HTTPS is served.
# @param https_cert
#   The HTTPS certificate (path or PEM text); undef = `cert`.
# @param https_key
#   Its key (path or Sensitive PEM text); undef = `key`.
class egd::host (
  Array[String[1]]                                     $packages,
  Stdlib::Absolutepath                                 $config_dir,
  Stdlib::Absolutepath                                 $run_dir,
  Enum['serial', 'hwrng', 'file', 'os']                $source_kind,
  Stdlib::Absolutepath                                 $source_path,
  Float[0.0001, 1.0]                                   $entropy_per_bit,
  Stdlib::Absolutepath                                 $serial_port,
  Integer[1200, 4000000]                               $baud_rate,
  Array[Pattern[/\A(unix:\/|proxy:)?\S+\z/], 1]        $egd_listen,
  Integer[256, 1073741824]                             $pool_size_bytes,
  Enum['raw', 'conditioned']                           $output_mode,
  Integer[0]                                           $client_rate_limit,
  Enum['error', 'warning', 'notice', 'info', 'debug']  $log_level,
  Egd::TomlSections                                    $egdd_options,
  Boolean                                              $manage_httpd,
  Stdlib::Absolutepath                                 $httpd_config_dir,
  Stdlib::Absolutepath                                 $httpd_run_dir,
  Egd::Endpoint                                        $httpd_listen,
  String[1]                                            $httpd_egd,
  Egd::TomlSections                                    $httpd_options,
  Enum['cert', 'psk']                                  $auth,
  Egd::Endpoint                                        $egd_accept,
  Egd::Endpoint                                        $egd_connect,
  Optional[Egd::Certificate]                           $cert,
  Optional[Egd::Secret]                                $key,
  Optional[Egd::Certificate]                           $ca,
  Array[String[1]]                                     $allowed_clients,
  Optional[Egd::Secret]                                $psk_secrets,
  Boolean                                              $manage_https,
  Egd::Endpoint                                        $https_accept,
  Optional[Egd::Certificate]                           $https_cert,
  Optional[Egd::Secret]                                $https_key,
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
  if $manage_httpd and $manage_https and ($https_cert =~ Undef and $cert =~ Undef or $https_key =~ Undef and $key =~ Undef) {
    fail('egd::host: HTTPS needs https_cert and https_key (or cert and key)')
  }

  include egd
  contain egd::host::install
  contain egd::host::config
  contain egd::host::service

  Class['egd::host::install'] -> Class['egd::host::config'] ~> Class['egd::host::service']
}
