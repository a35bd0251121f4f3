# NUL and UTF-16 surrogates are refused with a JSON 400 in every field,
# never cut: before, "a\u0000b" was stored as "a", "VCPU\u0000EVIL" was
# VCPU, "?name=X%00junk" matched X, and "\ud800" was stored as U+FFFD.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;

my $V = '1.39';

sub refused {
    my ($name, $res, $like) = @_;
    is($res->code, 400, "$name: 400") or diag(substr($res->content, 0, 300));
    like($res->header('content-type') // '', qr{^application/json}, "$name: JSON");
    like(error_of($res)->{detail} // '', $like, "$name: says why");
}

my $tag = 'nul' . int(rand(1e9));
my $rp = json(api(POST => '/resource_providers', version => $V,
                  body => { name => $tag }))->{uuid};
api(PUT => "/resource_providers/$rp/inventories", version => $V,
    body => { resource_provider_generation => 0, inventories => { VCPU => { total => 8 } } });

# bodies
refused('name with \u0000', api(POST => '/resource_providers', version => $V,
        body => qq({"name": "${tag}x\\u0000b"})), qr/U\+0000/);
is(scalar @{ json(api(GET => "/resource_providers?name=${tag}x", version => $V))
             ->{resource_providers} }, 0, 'nothing stored under the cut name');
refused('name with a lone \ud800', api(POST => '/resource_providers', version => $V,
        body => qq({"name": "${tag}\\ud800"})), qr/U\+D800/);
refused('lone low surrogate', api(POST => '/resource_providers', version => $V,
        body => qq({"name": "${tag}\\udc00x"})), qr/U\+DC00/);
is(api(POST => '/resource_providers', version => $V,
       body => qq({"name": "${tag}\\ud83d\\ude00"}))->code, 400,
   'a surrogate pair is a 4-byte character: refused by the utf8 column as before');
refused('trait with \u0000', api(PUT => "/resource_providers/$rp/traits", version => $V,
        body => qq({"resource_provider_generation": 1, "traits": ["HW_CPU_X86_AVX\\u0000junk"]})),
        qr/U\+0000/);
refused('class key with \u0000', api(PUT => "/resource_providers/$rp/inventories", version => $V,
        body => qq({"resource_provider_generation": 1,
                    "inventories": {"VCPU\\u0000EVIL": {"total": 4}}})), qr/U\+0000/);
my $inv = json(api(GET => "/resource_providers/$rp/inventories", version => $V));
is($inv->{inventories}{VCPU}{total}, 8, 'the inventory is unchanged');
my $consumer = new_uuid();
refused('project_id with \u0000', api(PUT => "/allocations/$consumer", version => $V,
        body => qq({"allocations": {"$rp": {"resources": {"VCPU": 1}}},
                    "project_id": "proj\\u0000tail", "user_id": "u",
                    "consumer_generation": null, "consumer_type": "INSTANCE"})), qr/U\+0000/);
is(scalar keys %{ json(api(GET => "/allocations/$consumer", version => $V))->{allocations} },
   0, 'no allocation written');

# query strings
refused('?name=X%00junk', api(GET => "/resource_providers?name=$tag%00junk", version => $V),
        qr/query string.*U\+0000/);
refused('?required=..%00junk', api(GET => "/resource_providers?required=HW_CPU_X86_AVX%00junk",
        version => $V), qr/query string.*U\+0000/);
refused('?resources=VCPU:1%00junk', api(GET => "/allocation_candidates?resources=VCPU:1%00junk",
        version => $V), qr/query string.*U\+0000/);
refused('encoded surrogate in a path', api(GET => "/resource_providers/ab%ED%A0%80", version => $V),
        qr/path.*U\+D800/);
refused('surrogate in a header', api(GET => '/resource_providers', version => $V,
        headers => { 'X-Something' => "a\xed\xa0\x80" }), qr/header.*U\+D800/);

# an Accept header that is not UTF-8: the 406 is Placement's JSON too
my $res = api(GET => '/resource_providers', version => $V, headers => { Accept => "text/\xff\xfe" });
is($res->code, 406, 'Accept of bad UTF-8: 406');
like($res->header('content-type') // '', qr{^application/json}, 'the 406 is JSON');

done_testing();
