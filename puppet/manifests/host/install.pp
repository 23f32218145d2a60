# @summary Installs an entropy host's packages. Private: declare egd::host.
# @api private
class egd::host::install {
  assert_private()

  if $egd::manage_package {
    ensure_packages($egd::host::packages, { 'ensure' => $egd::package_ensure })
  }
}
