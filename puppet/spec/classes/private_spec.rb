require 'spec_helper'

# The install/config/service classes and the helper defines belong to egd::host and
# egd::client: declared from outside the module they must refuse.
%w[
  egd::host::install egd::host::config egd::host::service
  egd::client::install egd::client::config egd::client::service
].each do |klass|
  describe klass do
    it { is_expected.to compile.and_raise_error(%r{is private}) }
  end
end

describe 'egd::service', type: :define do
  let(:title) { 'egdd' }

  it { is_expected.to compile.and_raise_error(%r{is private}) }
end

describe 'egd::tls_file', type: :define do
  let(:title) { 'x' }
  let(:params) { { source: '/a.crt', path: '/b.crt' } }

  it { is_expected.to compile.and_raise_error(%r{is private}) }
end

describe 'egd::crl_file', type: :define do
  let(:title) { 'x' }
  let(:params) { { source: '/crl.pem', path: '/b.crl', instances: ['egd-server'] } }

  it { is_expected.to compile.and_raise_error(%r{is private}) }
end
