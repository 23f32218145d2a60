# SPDX-License-Identifier: Apache-2.0

# @summary A CRL for stunnel instances: written before they start, reloaded on change. Private.
#
# Given as content, the CRL is written to `path` (0644) before the instances start
# (stunnel refuses to start without its CRLfile), and a change reloads them instead
# of restarting them: stunnel re-reads its configuration and CRL on SIGHUP for new
# connections, and the established ones (other clients') stay. The reload is
# `systemctl try-reload-or-restart` under systemd, else the instance's `reload`
# command from egd::service_commands; either must do nothing for a stopped
# instance.
# Declared by egd::host and egd::client outside their config class, whose changes
# restart the services.
# A CRL given as a path is the operator's: nothing is written and nothing reloads.
# @api private
#
# @param source
#   A path or the PEM text.
# @param path
#   Where content is written.
# @param instances
#   The stunnel instances that use it (egd-server, https-operator, egd-client).
define egd::crl_file (
  Egd::Crl             $source,
  Stdlib::Absolutepath $path,
  Array[String[1], 1]  $instances,
) {
  assert_private()

  unless $source =~ Stdlib::Absolutepath {
    egd::tls_file { $title:
      source => $source,
      path   => $path,
    }
    if $egd::manage_service {
      $instances.each |$instance| {
        $service = "stunnel-egd@${instance}"
        $reload = $egd::service_commands.dig($service, 'reload')
        $command = $reload ? {
          Undef   => $egd::service_provider ? {
            Undef     => "systemctl try-reload-or-restart ${service}",
            'systemd' => "systemctl try-reload-or-restart ${service}",
            default   => fail("egd: service_commands['${service}'] needs a 'reload' command (SIGHUP to stunnel), to reload its CRL"),
          },
          default => $reload,
        }
        # Before the service: a stopped instance is not reloaded but started with
        # the new CRL, and a freshly started one never gets a SIGHUP before stunnel
        # has installed its handler (the default action of SIGHUP is to exit).
        exec { "egd reload ${service} (CRL)":
          command     => $command,
          path        => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'],
          refreshonly => true,
          subscribe   => File[$path],
          before      => Service[$service],
        }
      }
    }
  }
}
