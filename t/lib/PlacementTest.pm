package PlacementTest;
# Helpers for the API tests: requests with noauth2 identities and a
# microversion, JSON decoding, and fresh UUIDs.
use strict;
use warnings;
use Exporter 'import';
use JSON::PP ();
use HTTP::Request ();
use Apache::TestRequest ();
use ApacheTestQuiet ();   # no AH00534 line from each test file

our @EXPORT = qw(api json new_uuid error_of);

my $json = JSON::PP->new->canonical->allow_nonref;

# api(METHOD, PATH, version => '1.39', token => 'admin', body => {...} or 'raw',
#     content_type => ..., headers => {...}) -> HTTP::Response.
# PATH is below the /placement mount; token => undef sends no token.
sub api {
    my ($method, $path, %o) = @_;
    my $req = HTTP::Request->new($method => 'http://' . Apache::TestRequest::hostport()
                                            . "/placement$path");
    my $token = exists $o{token} ? $o{token} : 'admin';
    $req->header('X-Auth-Token' => $token) if defined $token;
    $req->header('OpenStack-API-Version' => "placement $o{version}") if defined $o{version};
    if (exists $o{body}) {
        my $b = ref $o{body} ? $json->encode($o{body}) : $o{body};
        my $ct = exists $o{content_type} ? $o{content_type} : 'application/json';
        $req->header('Content-Type' => $ct) if defined $ct;
        $req->content($b);
        $req->header('Content-Length' => length $b);
    }
    my %h = %{ $o{headers} || {} };
    $req->header($_ => $h{$_}) for keys %h;
    return Apache::TestRequest::user_agent(reset => 0)->request($req);
}

sub json {
    my ($res) = @_;
    my $c = $res->content;
    return undef unless defined $c && length $c;
    return eval { $json->decode($c) };
}

sub error_of {
    my ($res) = @_;
    my $d = json($res);
    return ($d && ref $d eq 'HASH' && $d->{errors}) ? $d->{errors}[0] : {};
}

sub new_uuid {
    my @b = map { int(rand(256)) } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    return sprintf('%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x', @b);
}

1;
