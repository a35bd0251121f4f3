# Odd input and odd methods still get Placement's JSON answers, and nothing
# is written before the answer is known:
#   - TRACE is refused (TraceEnable Off: it would echo X-Auth-Token);
#   - a class name with a trailing newline (which the schema's pattern lets
#     through, as Python's re does) is a 400, and no class is written;
#   - header text with a 0xff byte comes back as U+00FF in valid JSON;
#   - more than 61 required traits (or member_of groups) is answered, not a
#     MariaDB "Too many tables" 500.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use PlacementTest;
use PlacementCases;

plan tests => 30;

my $strict = JSON::PP->new->utf8;     # dies on bytes that are not UTF-8
sub strict_json {
    my ($res) = @_;
    return eval { $strict->decode($res->content) };
}

# ---- TRACE ------------------------------------------------------------------------------
my $res = api(TRACE => '/', headers => { 'X-Auth-Token' => 'secret-token' });
is($res->code, 405, 'TRACE is refused');
unlike($res->content, qr/secret-token/, 'the token is not echoed');

# ---- class names with a trailing newline ---------------------------------------------------
my $rc = new_rc();
$res = api(POST => '/resource_classes', version => '1.7', body => { name => "$rc\n" });
is($res->code, 400, 'POST /resource_classes with "NAME\n": 400');
like($res->header('content-type'), qr{^application/json}, '... as JSON');
like(error_of($res)->{detail}, qr/JSON does not validate: '\Q$rc\E\\n' does not match/,
     '... naming the pattern');
$res = api(GET => '/resource_classes', version => '1.7');
ok(!grep({ index($_->{name}, $rc) == 0 } @{ json($res)->{resource_classes} }),
   '... and no class was written');

my $old = new_rc();
is(api(POST => '/resource_classes', version => '1.2', body => { name => $old })->code, 201,
   'a class to rename');
$res = api(PUT => "/resource_classes/$old", version => '1.2', body => { name => "$rc\n" });
is($res->code, 400, 'renaming to "NAME\n" (1.2): 400');
is(api(GET => "/resource_classes/$old", version => '1.2')->code, 200, '... the old name stays');
$res = api(POST => '/resource_classes', version => '1.7', body => { name => $rc });
is($res->code, 201, 'the name without the newline is fine');
like($res->header('location'), qr{/resource_classes/\Q$rc\E$}, '... at its Location');

# ---- header text with a 0xff byte ------------------------------------------------------------
$res = api(GET => '/resource_providers', headers => { 'OpenStack-API-Version' => "placement 1.\xff" });
is($res->code, 400, 'version "1.\xff": 400');
my $doc = strict_json($res);
ok($doc, '... the body is valid UTF-8 JSON') or diag($res->content);
like($doc ? $doc->{errors}[0]{detail} : '', qr/invalid version string: 1\.\x{ff};/,
     '... echoing the byte as U+00FF (latin-1, as WSGI reads headers)');

$res = api(POST => '/resource_classes', version => '1.7', body => '{}',
           content_type => "text/\xff");
is($res->code, 415, 'Content-Type "text/\xff": 415');
$doc = strict_json($res);
ok($doc, '... the body is valid UTF-8 JSON') or diag($res->content);
like($doc ? $doc->{errors}[0]{detail} : '', qr{media type text/\x{ff} is not supported},
     '... echoing the byte as U+00FF');

$res = api(GET => '/resource_providers', version => '1.7',
           headers => { Accept => "text/\xff" });
is($res->code, 406, 'Accept "text/\xff": 406');
ok(utf8::decode(my $text = $res->content), '... its text body is valid UTF-8');

# ---- many required traits / member_of groups -----------------------------------------------
my @traits = map { new_trait() } 1 .. 3;
is(api(PUT => "/traits/$_", version => '1.39')->code, 201, "trait $_") for @traits;
my $all = new_rp();
my $some = new_rp();
api(PUT => "/resource_providers/$all/traits", version => '1.39',
    body => { traits => \@traits, resource_provider_generation => 0 });
api(PUT => "/resource_providers/$some/traits", version => '1.39',
    body => { traits => [@traits[0, 1]], resource_provider_generation => 0 });
my $many = join ',', (@traits) x 24;          # 72 required traits
$res = api(GET => "/resource_providers?required=$many", version => '1.39');
is($res->code, 200, '72 required traits: 200') or diag($res->content);
is_deeply([map { $_->{uuid} } @{ json($res)->{resource_providers} || [] }], [$all],
          '... only the provider with all of them');
$res = api(GET => "/resource_providers?required=$many&required=in:$traits[2],$traits[0]",
           version => '1.39');
is_deeply([map { $_->{uuid} } @{ json($res)->{resource_providers} || [] }], [$all],
          '... and with an any-of group too');

put_inv($all, VCPU => { total => 4 });
$res = api(GET => "/allocation_candidates?resources=VCPU:1&required=$many", version => '1.39');
is($res->code, 200, 'allocation candidates with 72 required traits: 200')
    or diag($res->content);
is_deeply([keys %{ json($res)->{provider_summaries} || {} }], [$all], '... the one provider');

my @aggs = map { new_uuid() } 1 .. 3;
api(PUT => "/resource_providers/$all/aggregates", version => '1.39',
    body => { aggregates => \@aggs, resource_provider_generation => rp_gen($all) });
my $member_of = join '&', map { "member_of=$_" } (@aggs) x 22;    # 66 groups
$res = api(GET => "/resource_providers?$member_of", version => '1.39');
is($res->code, 200, '66 member_of groups: 200') or diag($res->content);
is_deeply([map { $_->{uuid} } @{ json($res)->{resource_providers} || [] }], [$all],
          '... the provider in all of them');
$res = api(GET => "/allocation_candidates?resources=VCPU:1&$member_of", version => '1.39');
is_deeply([keys %{ json($res)->{provider_summaries} || {} }], [$all],
          'allocation candidates with 66 member_of groups');
