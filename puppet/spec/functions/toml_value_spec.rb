require 'spec_helper'

describe 'egd::toml_value' do
  it { is_expected.to run.with_params('a').and_return('"a"') }
  it { is_expected.to run.with_params('say "hi" \\o/').and_return('"say \\"hi\\" \\\\o/"') }
  it { is_expected.to run.with_params(42).and_return('42') }
  it { is_expected.to run.with_params(true).and_return('true') }
  it { is_expected.to run.with_params(0.5).and_return('0.500000') }
  it { is_expected.to run.with_params(['x', 1]).and_return('["x", 1]') }
  it { is_expected.to run.with_params("line\nbreak").and_raise_error(%r{expects}) }
end
