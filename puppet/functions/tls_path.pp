# @summary Where a certificate, key or PSK ends up: the path given, or the module's file.
# @param source
#   A path, content, or undef.
# @param path
#   The module's file for content.
# @return [Optional[String]] The path stunnel reads, undef for undef.
function egd::tls_path(Optional[Variant[Egd::Certificate, Egd::Secret]] $source, Stdlib::Absolutepath $path) >> Optional[String] {
  $source ? {
    Undef                => undef,
    Stdlib::Absolutepath => $source,
    default              => $path,
  }
}
