# @summary Settings shared by egd::host and egd::client: packages, services, directories.
#
# Declare egd::host or egd::client; set these through Hiera
# (`egd::service_provider: base`) or a resource-like `class { 'egd': ... }` before
# them. The class also manages the stunnel and certificate directories, which a
# machine that is both host and client shares.
#
# @example A sandbox: no packages, services run by commands instead of systemd
#   class { 'egd':
#     manage_package   => false,
#     service_provider => 'base',
#     stunnel_dir      => '/tmp/sandbox/etc/stunnel',
#     tls_dir          => '/tmp/sandbox/etc/stunnel/egd',
#     stunnel_user     => '',
#     service_commands => {
#       'egdd' => { 'start' => '/bin/true', 'status' => '/bin/true', 'stop' => '/bin/true' },
#     },
#   }
#
# @param manage_package
#   Install the Debian packages (egdd, trng-httpd, egd-stunnel, egd-feed).
# @param package_ensure
#   `ensure` of those packages (installed, latest, a version, absent).
# @param manage_service
#   Manage the daemons' `service` resources.
# @param service_ensure
#   `ensure` of the services.
# @param service_enable
#   Start the services at boot.
# @param service_provider
#   Provider of the `service` resources; undef lets Puppet choose (systemd). A sandbox
#   without systemd as PID 1 sets 'base' and gives the commands in `service_commands`.
# @param service_commands
#   Per service title (egdd, trng-httpd, egd-feed, stunnel-egd@egd-server,
#   stunnel-egd@https-server, stunnel-egd@egd-client): start, stop, status, restart
#   commands, for the `base` provider.
# @param stunnel_dir
#   Where the stunnel configurations go (NAME.conf for the unit stunnel-egd@NAME).
# @param tls_dir
#   Where certificates, keys and PSK files given as content are written
#   (root:tls_group 0750; keys 0640 so that stunnel can read them again on reload).
# @param stunnel_user
#   User and group stunnel switches to after reading its keys (setuid/setgid);
#   '' leaves the lines out (stunnel stays as started: sandboxes, tests).
# @param stunnel_debug
#   stunnel's log level (emerg .. debug).
# @param config_owner
#   Owner of the configuration files.
# @param config_group
#   Group of the configuration files.
# @param tls_group
#   Group that may read the keys (stunnel's user's group).
# @param manage_run_dirs
#   Create the run directories (egdd's control socket directory, trng-httpd's files
#   directory). systemd's RuntimeDirectory= creates them for the packaged units, so
#   only sandboxes need this.
class egd (
  Boolean                               $manage_package,
  String[1]                             $package_ensure,
  Boolean                               $manage_service,
  Enum['running', 'stopped']            $service_ensure,
  Boolean                               $service_enable,
  Optional[String[1]]                   $service_provider,
  Hash[String[1], Egd::ServiceCommands] $service_commands,
  Stdlib::Absolutepath                  $stunnel_dir,
  Stdlib::Absolutepath                  $tls_dir,
  String                                $stunnel_user,
  Enum['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] $stunnel_debug,
  String[1]                             $config_owner,
  String[1]                             $config_group,
  String[1]                             $tls_group,
  Boolean                               $manage_run_dirs,
) {
  # Shared by egd::host and egd::client, which may both be on one machine.
  file { [$stunnel_dir]:
    ensure => directory,
    owner  => $config_owner,
    group  => $config_group,
    mode   => '0755',
  }
  file { $tls_dir:
    ensure => directory,
    owner  => $config_owner,
    group  => $tls_group,
    mode   => '0750',
  }
}
