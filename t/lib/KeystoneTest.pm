package KeystoneTest;
# Helpers for the token tests: requests to a named virtual host, the stub
# Keystone's control API (t/keystone/stub_keystone.py), and tokens from the
# real Keystone (t/keystone/keystone-ctl).
use strict;
use warnings;
use Exporter 'import';
use JSON::PP ();
use HTTP::Request ();
use Apache::TestRequest ();

our @EXPORT = qw(vhost_api stub_register stub_revoke stub_call stub_validations
                 stub_logins stub_token keystone_url keystone_token);

my $json = JSON::PP->new->canonical->allow_nonref;

# vhost_api(VHOST, METHOD, PATH, token => ..., headers => {...}, body => ...)
# -> HTTP::Response; the API is mounted at / on these hosts.
sub vhost_api {
    my ($vhost, $method, $path, %o) = @_;
    # module2url makes the host the default of later requests: not here
    local $Apache::TestRequest::Module = $Apache::TestRequest::Module;
    my $url = Apache::TestRequest::module2url($vhost, { path => $path });
    my $req = HTTP::Request->new($method => $url);
    $req->header('OpenStack-API-Version' => 'placement ' . ($o{version} || '1.39'));
    $req->header('X-Auth-Token' => $o{token}) if defined $o{token};
    my %h = %{ $o{headers} || {} };
    $req->header($_ => $h{$_}) for keys %h;
    if (exists $o{body}) {
        my $b = ref $o{body} ? $json->encode($o{body}) : $o{body};
        $req->header('Content-Type' => 'application/json');
        $req->content($b);
    }
    return Apache::TestRequest::user_agent(reset => 1, keep_alive => 0)->request($req);
}

sub stub_call {
    my ($method, $path, $body) = @_;
    my $req = HTTP::Request->new($method => $ENV{PLACEMENT_TEST_KS_STUB_CONTROL} . $path);
    if (defined $body) {
        $req->header('Content-Type' => 'application/json');
        $req->content($json->encode($body));
    }
    my $res = Apache::TestRequest::user_agent(reset => 1)->request($req);
    die "stub $method $path: " . $res->status_line unless $res->is_success;
    return length($res->content) ? $json->decode($res->content) : undef;
}

# A token document for the stub: user, project (undef: none), roles.
sub stub_token {
    my (%o) = @_;
    my $dom = { id => 'default', name => 'Default' };
    my $t = { user => { id => $o{user}, name => "$o{user}-name", domain => $dom },
              roles => [ map { { id => "id-$_", name => $_ } } @{ $o{roles} || [] } ] };
    $t->{project} = { id => $o{project}, name => "$o{project}-name", domain => $dom }
        if defined $o{project};
    $t->{system} = { all => JSON::PP::true } if $o{system};
    $t->{domain} = $dom if $o{domain};
    $t->{is_admin_project} = JSON::PP::false unless $o{admin_project};
    return $t;
}

# stub_register(TOKEN, mode => ..., token => stub_token(...), expires_in => s)
sub stub_register {
    my ($token, %reg) = @_;
    stub_call(PUT => "/tokens/$token", { mode => 'ok', %reg });
}
sub stub_revoke { stub_call(DELETE => "/tokens/$_[0]") }
sub stub_validations { stub_call(GET => '/stats')->{validations}{ $_[0] } || 0 }
sub stub_logins { stub_call(GET => '/stats')->{logins} }

sub keystone_url {
    my $u = $ENV{PLACEMENT_TEST_KEYSTONE_URL} || '';
    return $u =~ m{^http://127\.0\.0\.1:1/} ? undef : $u;
}

# A token from the real Keystone: user, scope ('project:NAME', 'system',
# 'domain', 'none').  Returns (token id, token document).
sub keystone_token {
    my ($user, $scope) = @_;
    my $auth = { identity => { methods => ['password'], password => { user => {
        name => $user, domain => { id => 'default' }, password => 'secret' } } } };
    if ($scope =~ /^project:(.*)/) {
        $auth->{scope} = { project => { name => $1, domain => { id => 'default' } } };
    }
    elsif ($scope eq 'system') { $auth->{scope} = { system => { all => JSON::PP::true } } }
    elsif ($scope eq 'domain') { $auth->{scope} = { domain => { id => 'default' } } }
    else { $auth->{scope} = 'unscoped' }
    my $req = HTTP::Request->new(POST => keystone_url() . '/auth/tokens?nocatalog');
    $req->header('Content-Type' => 'application/json');
    $req->content($json->encode({ auth => $auth }));
    my $res = Apache::TestRequest::user_agent(reset => 1)->request($req);
    die "no token for $user ($scope): " . $res->status_line unless $res->code == 201;
    return ($res->header('X-Subject-Token'), $json->decode($res->content)->{token});
}

1;
