# @summary Settings of a TOML file: section => key => value.
type Egd::TomlSections = Hash[Pattern[/\A[a-z_]+\z/], Hash[Pattern[/\A[a-z_]+\z/], Egd::TomlValue]]
