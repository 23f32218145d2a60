# @summary One of several egdd sources (an egdd.toml [[source]] table): its name
#   (status, metrics, `egdctl init NAME`), kind, device, and credit bound.
type Egd::Source = Struct[{
  name                        => Pattern[/\A[A-Za-z0-9._-]{1,32}\z/],
  kind                        => Enum['serial', 'hwrng', 'file', 'os'],
  Optional[path]              => Stdlib::Absolutepath,
  Optional[port]              => Stdlib::Absolutepath,
  Optional[baud_rate]         => Integer[1200, 4000000],
  Optional[entropy_per_bit]   => Float[0.0001, 1.0],
  Optional[entropy_certified] => Boolean,
}]
