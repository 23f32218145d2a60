# @summary Writes one value as TOML: strings quoted and escaped, arrays inline.
# @param value
#   The value.
# @return [String] The TOML text.
# @example
#   egd::toml_value(['127.0.0.1:8888', 'unix:/run/egdd/egd.sock'])
#   # => '["127.0.0.1:8888", "unix:/run/egdd/egd.sock"]'
function egd::toml_value(Egd::TomlValue $value) >> String {
  $value ? {
    String  => sprintf('"%s"', regsubst(regsubst($value, '\\\\', '\\\\\\\\', 'G'), '"', '\\\\"', 'G')),
    Array   => sprintf('[%s]', $value.map |$v| { egd::toml_value($v) }.join(', ')),
    default => String($value),
  }
}
