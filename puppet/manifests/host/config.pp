# @summary Writes an entropy host's configuration. Private: declare egd::host.
#
# egdd.toml, trng-httpd.toml, the stunnel configurations and the key material
# given as content.
# @api private
class egd::host::config {
  assert_private()

  $h = 'egd::host'
  $tls = $egd::tls_dir
  $control_socket = "${egd::host::run_dir}/control.sock"

  File {
    owner => $egd::config_owner,
    group => $egd::config_group,
  }

  file { $egd::host::config_dir:
    ensure => directory,
    mode   => '0755',
  }
  file { "${egd::host::config_dir}/egdd.toml":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egdd.toml.epp', {
        'source_kind'       => $egd::host::source_kind,
        'source_path'       => $egd::host::source_path,
        'entropy_per_bit'   => $egd::host::entropy_per_bit,
        'serial_port'       => $egd::host::serial_port,
        'baud_rate'         => $egd::host::baud_rate,
        'listen'            => $egd::host::egd_listen,
        'control_socket'    => $control_socket,
        'pool_size_bytes'   => $egd::host::pool_size_bytes,
        'output_mode'       => $egd::host::output_mode,
        'client_rate_limit' => $egd::host::client_rate_limit,
        'log_level'         => $egd::host::log_level,
        'options'           => $egd::host::egdd_options,
    }),
  }
  if $egd::manage_run_dirs {
    file { $egd::host::run_dir:
      ensure => directory,
      mode   => '0755',
    }
  }

  if $egd::host::manage_httpd {
    file { $egd::host::httpd_config_dir:
      ensure => directory,
      mode   => '0755',
    }
    file { "${egd::host::httpd_config_dir}/trng-httpd.toml":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/trng-httpd.toml.epp', {
          'listen'    => $egd::host::httpd_listen,
          'egd'       => $egd::host::httpd_egd,
          'control'   => $control_socket,
          'files_dir' => $egd::host::httpd_run_dir,
          'log_level' => $egd::host::log_level,
          'options'   => $egd::host::httpd_options,
      }),
    }
    if $egd::manage_run_dirs {
      file { $egd::host::httpd_run_dir:
        ensure => directory,
        mode   => '0700',
      }
    }
  }

  # Key material given as content goes to tls_dir; paths are used as they are.
  $cert = egd::tls_path($egd::host::cert, "${tls}/egd-host.crt")
  $key = egd::tls_path($egd::host::key, "${tls}/egd-host.key")
  $ca = egd::tls_path($egd::host::ca, "${tls}/egd-host-ca.crt")
  $psk = egd::tls_path($egd::host::psk_secrets, "${tls}/egd-server.psk")
  $sources = {
    'cert' => [$egd::host::cert, $cert, false],
    'key'  => [$egd::host::key, $key, true],
    'ca'   => [$egd::host::ca, $ca, false],
    'psk'  => [$egd::host::psk_secrets, $psk, true],
  }
  $sources.each |$what, $s| {
    if $s[0] =~ NotUndef {
      egd::tls_file { "${h} ${what}":
        source => $s[0],
        path   => $s[1],
        secret => $s[2],
      }
    }
  }

  file { "${egd::stunnel_dir}/egd-server.conf":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egd-server.conf.epp', {
        'user'            => $egd::stunnel_user,
        'debug'           => $egd::stunnel_debug,
        'auth'            => $egd::host::auth,
        'accept'          => $egd::host::egd_accept,
        'connect'         => $egd::host::egd_connect,
        'cert'            => $cert,
        'key'             => $key,
        'cafile'          => $ca,
        'allowed_clients' => $egd::host::allowed_clients,
        'psk_secrets'     => $psk,
    }),
  }

  if $egd::host::manage_httpd and $egd::host::manage_https {
    # Without an HTTPS certificate of its own, HTTPS uses the EGD one.
    $https_cert = $egd::host::https_cert ? {
      Undef   => $cert,
      default => egd::tls_path($egd::host::https_cert, "${tls}/https.crt"),
    }
    $https_key = $egd::host::https_key ? {
      Undef   => $key,
      default => egd::tls_path($egd::host::https_key, "${tls}/https.key"),
    }
    if $egd::host::https_cert =~ NotUndef {
      egd::tls_file { "${h} https cert":
        source => $egd::host::https_cert,
        path   => $https_cert,
      }
    }
    if $egd::host::https_key =~ NotUndef {
      egd::tls_file { "${h} https key":
        source => $egd::host::https_key,
        path   => $https_key,
        secret => true,
      }
    }
    file { "${egd::stunnel_dir}/https-server.conf":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/https-server.conf.epp', {
          'user'    => $egd::stunnel_user,
          'debug'   => $egd::stunnel_debug,
          'accept'  => $egd::host::https_accept,
          'connect' => $egd::host::httpd_listen,
          'cert'    => $https_cert,
          'key'     => $https_key,
      }),
    }
  }
}
