# U+0000 is text like any other, as upstream has it: stored and read back
# exactly (a provider name, project_id, user_id), matched exactly in a
# query (?name=X%00junk is only that name), and refused with a JSON 400
# only where upstream's schema refuses it (consumer types by their
# pattern, ?in_tree by its format) or a key cannot carry it (a class name
# as an inventories key).  Before, every NUL was refused with a 400, and
# before that cut: "a\u0000b" was stored as "a".  UTF-16 surrogates are
# still refused (UTF-8 cannot carry them; "\ud800" was stored as U+FFFD).
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

# JSON::PP reads "\u0000" back as chr(0)
sub names { map { $_->{name} } @{ (json($_[0]) || {})->{resource_providers} || [] } }

my $tag = 'nul' . int(rand(1e9));
my $rp = json(api(POST => '/resource_providers', version => $V,
                  body => { name => $tag }))->{uuid};
api(PUT => "/resource_providers/$rp/inventories", version => $V,
    body => { resource_provider_generation => 0, inventories => { VCPU => { total => 8 } } });

# ---- provider names: stored, read back, matched exactly -----------------------------------
my $res = api(POST => '/resource_providers', version => $V, body => qq({"name": "${tag}x\\u0000b"}));
is($res->code, 200, 'name with \\u0000: 200') or diag($res->content);
my $nul_rp = (json($res) || {})->{uuid} // '';
is((json($res) || {})->{name}, "${tag}x\0b", '... answered as sent');
like($res->content, qr/"name":"\Q${tag}x\E\\u0000b"/, '... as \\u0000 in the JSON text');
is((json(api(GET => "/resource_providers/$nul_rp", version => $V)) || {})->{name}, "${tag}x\0b",
   '... and read back whole');
is_deeply([names(api(GET => "/resource_providers?name=${tag}x%00b", version => $V))],
          ["${tag}x\0b"], '?name=X%00b finds it');
is_deeply([names(api(GET => "/resource_providers?name=${tag}x", version => $V))], [],
          '?name=X (the cut name) finds nothing');
is_deeply([names(api(GET => "/resource_providers?name=${tag}x%00bjunk", version => $V))], [],
          '?name=X%00bjunk finds nothing');
is_deeply([names(api(GET => "/resource_providers?name=$tag%00junk", version => $V))], [],
          '?name=T%00junk does not match T');
$res = api(POST => '/resource_providers', version => $V, body => qq({"name": "${tag}x\\u0000b"}));
is($res->code, 409, 'the same name again: 409');
like(error_of($res)->{detail} // '', qr/name: \Q${tag}x\E\x00b already exists/, '... naming it whole');
$res = api(PUT => "/resource_providers/$nul_rp", version => $V, body => qq({"name": "${tag}y\\u0000\\u0000"}));
is((json($res) || {})->{name}, "${tag}y\0\0", 'renamed to a name ending in two NULs');
is_deeply([names(api(GET => "/resource_providers?name=${tag}y%00%00", version => $V))],
          ["${tag}y\0\0"], '... found by it');
is_deeply([names(api(GET => "/resource_providers?name=${tag}y", version => $V))], [],
          '... and not without them');

# ---- project_id, user_id ----------------------------------------------------------------------
my $consumer = new_uuid();
$res = api(PUT => "/allocations/$consumer", version => $V,
           body => qq({"allocations": {"$rp": {"resources": {"VCPU": 1}}},
                       "project_id": "${tag}p\\u0000tail", "user_id": "${tag}u\\u0000",
                       "consumer_generation": null, "consumer_type": "INSTANCE"}));
is($res->code, 204, 'project_id and user_id with \\u0000: 204') or diag($res->content);
my $a = json(api(GET => "/allocations/$consumer", version => $V)) || {};
is($a->{project_id}, "${tag}p\0tail", '... project_id read back whole');
is($a->{user_id}, "${tag}u\0", '... user_id read back whole');
is((json(api(GET => "/usages?project_id=${tag}p%00tail&user_id=${tag}u%00", version => $V))
    || {})->{usages}{INSTANCE}{VCPU}, 1, 'usages of exactly that project and user');
is_deeply((json(api(GET => "/usages?project_id=${tag}p", version => $V)) || {})->{usages}, {},
          'usages of the cut project: none');
$res = api(PUT => "/allocations/$consumer", version => $V,
           body => qq({"allocations": {"$rp": {"resources": {"VCPU": 1}}},
                       "project_id": "${tag}p", "user_id": "${tag}u",
                       "consumer_generation": 1, "consumer_type": "INSTANCE"}));
is($res->code, 204, 'moved to the cut project and user');
$a = json(api(GET => "/allocations/$consumer", version => $V)) || {};
is("$a->{project_id}/$a->{user_id}", "${tag}p/${tag}u", '... which are other ones');

# ---- where upstream refuses it ----------------------------------------------------------------
refused('consumer_type with \\u0000', api(PUT => "/allocations/" . new_uuid(), version => $V,
        body => qq({"allocations": {"$rp": {"resources": {"VCPU": 1}}},
                    "project_id": "p", "user_id": "u",
                    "consumer_generation": null, "consumer_type": "INST\\u0000ANCE"})),
        qr/'INST\\x00ANCE' does not match/);
my $gen = json(api(GET => "/resource_providers/$rp", version => $V))->{generation};
refused('trait with \\u0000', api(PUT => "/resource_providers/$rp/traits", version => $V,
        body => qq({"resource_provider_generation": $gen, "traits": ["HW_CPU_X86_AVX\\u0000junk"]})),
        qr/No such trait HW_CPU_X86_AVX\x00junk/);
refused('class key with \\u0000', api(PUT => "/resource_providers/$rp/inventories", version => $V,
        body => qq({"resource_provider_generation": $gen,
                    "inventories": {"VCPU\\u0000EVIL": {"total": 4}}})), qr/U\+0000/);
my $inv = json(api(GET => "/resource_providers/$rp/inventories", version => $V));
is($inv->{inventories}{VCPU}{total}, 8, 'the inventory is unchanged');
refused('class name with \\u0000', api(POST => '/resource_classes', version => $V,
        body => qq({"name": "CUSTOM_A\\u0000B"})), qr/'CUSTOM_A\\x00B' does not match/);

# ---- surrogates: UTF-8 cannot carry them ---------------------------------------------------
refused('name with a lone \ud800', api(POST => '/resource_providers', version => $V,
        body => qq({"name": "${tag}\\ud800"})), qr/U\+D800/);
refused('lone low surrogate', api(POST => '/resource_providers', version => $V,
        body => qq({"name": "${tag}\\udc00x"})), qr/U\+DC00/);
is(api(POST => '/resource_providers', version => $V,
       body => qq({"name": "${tag}\\ud83d\\ude00"}))->code, 400,
   'a surrogate pair is a 4-byte character: refused by the utf8 column as before');
# query strings
refused('?required=..%00junk', api(GET => "/resource_providers?required=HW_CPU_X86_AVX%00junk",
        version => $V), qr/No such trait\(s\): HW_CPU_X86_AVX\x00junk/);
refused('?resources=VCPU:1%00junk', api(GET => "/allocation_candidates?resources=VCPU:1%00junk",
        version => $V), qr/expected positive integer amount. Got: 1\x00junk/);
refused('?in_tree=UUID%00', api(GET => "/resource_providers?in_tree=$rp%00", version => $V),
        qr/'\Q$rp\E\\x00' is not a 'uuid'/);
refused('encoded surrogate in a path', api(GET => "/resource_providers/ab%ED%A0%80", version => $V),
        qr/path.*U\+D800/);
refused('surrogate in a header', api(GET => '/resource_providers', version => $V,
        headers => { 'X-Something' => "a\xed\xa0\x80" }), qr/header.*U\+D800/);

# an Accept header that is not UTF-8: the 406 is Placement's JSON too
$res = api(GET => "/resource_providers", version => $V, headers => { Accept => "text/\xff\xfe" });
is($res->code, 406, 'Accept of bad UTF-8: 406');
like($res->header('content-type') // '', qr{^application/json}, 'the 406 is JSON');

done_testing();
