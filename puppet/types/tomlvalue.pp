# @summary A value that egd::toml_value can write as TOML.
type Egd::TomlValue = Variant[
  Pattern[/\A[^\x00-\x1f\x7f]*\z/],
  Integer,
  Float,
  Boolean,
  Array[Variant[Pattern[/\A[^\x00-\x1f\x7f]*\z/], Integer, Float, Boolean]],
]
