# @summary Writes an entropy host's configuration. Private: declare egd::host.
#
# egdd.toml, trng-httpd.toml, the stunnel configurations, the key material given
# as content (or the owner and mode of keys given as paths) and, in sandboxes, the
# run directories. The listeners behind stunnel are made from the instances'
# `connect`s, so that the two always match.
# @api private
class egd::host::config {
  assert_private()

  $h = 'egd::host'
  $tls = $egd::tls_dir
  $run_dir = $egd::host::run_dir
  $httpd_run_dir = $egd::host::httpd_run_dir
  $control_socket = "${run_dir}/control.sock"

  File {
    owner => $egd::config_owner,
    group => $egd::config_group,
  }

  # ---------------------------------------------------------------- egdd
  file { $egd::host::config_dir:
    ensure => directory,
    mode   => '0755',
  }
  file { "${egd::host::config_dir}/egdd.toml":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egdd.toml.epp', {
        'source_kind'             => $egd::host::source_kind,
        'source_path'             => $egd::host::source_path,
        'entropy_per_bit'         => $egd::host::entropy_per_bit,
        'entropy_certified'       => $egd::host::entropy_certified,
        'state_dir'               => $egd::host::state_dir,
        'sources'                 => $egd::host::sources,
        'serial_port'             => $egd::host::serial_port,
        'baud_rate'               => $egd::host::baud_rate,
        'listen'                  => $egd::host::real_egd_listen + [egd::proxy_listener($egd::host::real_egd_connect)],
        'internal_listen'         => $egd::host::internal_listen,
        'control_socket'          => $control_socket,
        'pool_size_bytes'         => $egd::host::pool_size_bytes,
        'output_mode'             => $egd::host::output_mode,
        'client_rate_limit'       => $egd::host::client_rate_limit,
        'max_clients'             => $egd::host::max_clients,
        'max_clients_per_address' => $egd::host::max_clients_per_address,
        'ipv6_prefix'             => $egd::host::ipv6_prefix,
        'log_level'               => $egd::host::log_level,
        'options'                 => $egd::host::egdd_options,
    }),
  }

  # Sandboxes only (systemd makes these for the units). The directory of a PROXY
  # socket must be closed to others: egdd and trng-httpd refuse it otherwise. As the
  # units do, set-group-ID, so the socket takes the directory's group.
  if $egd::manage_run_dirs {
    $httpd_dirs = $egd::host::manage_httpd ? {
      true    => { $httpd_run_dir => '0755', "${httpd_run_dir}/files" => '0700' },
      default => {},
    }
    $proxy_sockets = [
      $egd::host::real_egd_connect,
      if $egd::host::https { $egd::host::real_https_connect },
      if $egd::host::operator { $egd::host::real_operator_connect },
    ].filter |$s| { $s =~ Stdlib::Absolutepath }
    $run_dirs = { $run_dir => '0755' } + $httpd_dirs + $proxy_sockets.reduce({}) |$dirs, $s| {
      $dirs + { dirname($s) => '2750' }
    }
    $run_dirs.each |$dir, $mode| {
      file { $dir:
        ensure => directory,
        mode   => $mode,
      }
    }
  }

  # ---------------------------------------------------------------- trng-httpd
  if $egd::host::manage_httpd {
    $operator_listen = $egd::host::operator ? {
      true    => [egd::proxy_listener($egd::host::real_operator_connect)],
      default => [],
    }
    $public_listen = $egd::host::https ? {
      true    => [egd::proxy_listener($egd::host::real_https_connect)],
      default => [],
    }
    $facts_hosts = [$facts.dig('networking', 'fqdn'), $facts.dig('networking', 'ip')].filter |$x| { $x =~ String[1] }
    file { $egd::host::httpd_config_dir:
      ensure => directory,
      mode   => '0755',
    }
    file { "${egd::host::httpd_config_dir}/trng-httpd.toml":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/trng-httpd.toml.epp', {
          'listen'                  => $egd::host::httpd_listen + $operator_listen,
          'public_listen'           => $public_listen,
          'allowed_hosts'           => ($facts_hosts + $egd::host::httpd_allowed_hosts).unique,
          'max_clients_per_address' => $egd::host::httpd_max_clients_per_address,
          'ipv6_prefix'             => $egd::host::ipv6_prefix,
          'egd'                     => $egd::host::real_httpd_egd,
          'control'                 => $control_socket,
          'files_dir'               => "${httpd_run_dir}/files",
          'client_rate_limit'       => $egd::host::httpd_client_rate_limit,
          'log_level'               => $egd::host::log_level,
          'options'                 => $egd::host::httpd_options,
      }),
    }
  }

  # ---------------------------------------------------------------- stunnel
  # Key material given as content goes to tls_dir; paths are used as they are.
  # Each key belongs to the one instance that reads it.
  $cert = egd::tls_path($egd::host::cert, "${tls}/egd-host.crt")
  $key = egd::tls_path($egd::host::key, "${tls}/egd-host.key")
  $ca = egd::tls_path($egd::host::ca, "${tls}/egd-host-ca.crt")
  $crl = egd::tls_path($egd::host::crl, "${tls}/egd-host.crl")
  $psk = egd::tls_path($egd::host::psk_secrets, "${tls}/egd-server.psk")
  $https_cert = egd::tls_path($egd::host::https_cert, "${tls}/https.crt")
  $https_key = egd::tls_path($egd::host::https_key, "${tls}/https.key")
  $operator_cert = egd::tls_path($egd::host::operator_cert, "${tls}/https-operator.crt")
  $operator_key = egd::tls_path($egd::host::operator_key, "${tls}/https-operator.key")
  $operator_ca = $egd::host::operator_ca ? {
    Undef   => $ca,
    default => egd::tls_path($egd::host::operator_ca, "${tls}/https-operator-ca.crt"),
  }
  $sources = {
    'cert' => [$egd::host::cert, $cert, undef],
    'key'  => [$egd::host::key, $key, 'egd-server'],
    'ca'   => [$egd::host::ca, $ca, undef],
    'psk'  => [$egd::host::psk_secrets, $psk, 'egd-server'],
  } + ($egd::host::https ? {
      true    => {
        'https cert' => [$egd::host::https_cert, $https_cert, undef],
        'https key'  => [$egd::host::https_key, $https_key, 'https-server'],
      },
      default => {},
  }) + ($egd::host::operator ? {
      true    => {
        'operator cert' => [$egd::host::operator_cert, $operator_cert, undef],
        'operator key'  => [$egd::host::operator_key, $operator_key, 'https-operator'],
        'operator ca'   => [$egd::host::operator_ca, $operator_ca, undef],
      },
      default => {},
  })
  $sources.each |$what, $s| {
    if $s[0] =~ NotUndef {
      egd::tls_file { "${h} ${what}":
        source   => $s[0],
        path     => $s[1],
        instance => $s[2],
      }
    }
  }

  $common = {
    'debug'             => $egd::stunnel_debug,
    'handshake_timeout' => $egd::host::handshake_timeout,
  }
  file { "${egd::stunnel_dir}/egd-server.conf":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egd-server.conf.epp', $common + {
        'auth'            => $egd::host::auth,
        'accept'          => $egd::host::egd_accept,
        'connect'         => $egd::host::real_egd_connect,
        'cert'            => $cert,
        'key'             => $key,
        'cafile'          => $ca,
        'crlfile'         => $crl,
        'allowed_clients' => $egd::host::allowed_clients,
        'psk_secrets'     => $psk,
    }),
  }

  if $egd::host::https {
    file { "${egd::stunnel_dir}/https-server.conf":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/https-server.conf.epp', $common + {
          'accept'  => $egd::host::https_accept,
          'connect' => $egd::host::real_https_connect,
          'cert'    => $https_cert,
          'key'     => $https_key,
      }),
    }
  }

  if $egd::host::operator {
    file { "${egd::stunnel_dir}/https-operator.conf":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/https-operator.conf.epp', $common + {
          'accept'    => $egd::host::operator_accept,
          'connect'   => $egd::host::real_operator_connect,
          'cert'      => $operator_cert,
          'key'       => $operator_key,
          'cafile'    => $operator_ca,
          'crlfile'   => $crl,
          'operators' => $egd::host::operators,
      }),
    }
  }
}
