# Very large but valid allocation ratios: the provider stays a candidate,
# and its capacity is Python's int((total - reserved) * ratio), every
# digit (upstream prints 8000000000000000159076998709248 for 8 x 1e30).
# Before, a capacity past 2^63 was cast to a negative long long and the
# provider vanished from GET /allocation_candidates.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

plan tests => 15;
my $V = '1.39';

my @rc = map { new_rc() } 1 .. 4;
for my $c (@rc) {
    is(api(PUT => "/resource_classes/$c", version => $V)->code, 201, "class $c");
}
my $rp = new_rp();
# as JSON text: Perl would send 1e+30 as a string
my $res = api(PUT => "/resource_providers/$rp/inventories", version => $V,
              body => qq({"resource_provider_generation": 0, "inventories": {
                  "$rc[0]": {"total": 8, "allocation_ratio": 1e30},
                  "$rc[1]": {"total": 1024, "allocation_ratio": 3.4e38},
                  "$rc[2]": {"total": 2147483647, "allocation_ratio": 1e10},
                  "$rc[3]": {"total": 3, "allocation_ratio": 3e18}}}));
is($res->code, 200, 'inventories with ratios up to 3.4e38') or diag($res->content);
# int() of the float products, as Python prints them
my %cap = ($rc[0] => '8000000000000000159076998709248',
           $rc[1] => '348159999999999996030818904111341436403712',
           $rc[2] => '21474836470000001024',
           $rc[3] => '9000000000000000000');

$res = api(GET => "/allocation_candidates?resources=$rc[0]:1,$rc[1]:1,$rc[2]:1,$rc[3]:1",
              version => $V);
is($res->code, 200, 'candidates: 200');
my $doc = json($res);
ok($doc && $doc->{provider_summaries}{$rp}, 'the provider is a candidate')
    or diag(substr($res->content, 0, 500));
for my $c (@rc) {
    like($res->content, qr/"\Q$c\E":\{"capacity":$cap{$c},"used":0\}/,
         "capacity of $c is $cap{$c}");
}

$res = api(GET => "/allocation_candidates?resources=$rc[0]:2147483647,$rc[1]:2147483647",
           version => $V);
ok(json($res) && json($res)->{provider_summaries}{$rp}, 'the largest amounts fit too');

$res = api(GET => "/resource_providers?resources=$rc[0]:2147483647,$rc[2]:2147483647",
           version => $V);
is_deeply([map { $_->{uuid} } @{ (json($res) || {})->{resource_providers} || [] }], [$rp],
          'GET /resource_providers?resources= lists it');

my $consumer = new_uuid();
$res = api(PUT => "/allocations/$consumer", version => $V,
           body => { allocations => { $rp => { resources => { $rc[0] => 2147483647 } } },
                     project_id => 'p', user_id => 'u', consumer_generation => undef,
                     consumer_type => 'INSTANCE' });
is($res->code, 204, 'a claim of the largest amount: 204') or diag($res->content);
$res = api(GET => "/allocation_candidates?resources=$rc[0]:1", version => $V);
like($res->content, qr/"\Q$rc[0]\E":\{"capacity":$cap{$rc[0]},"used":2147483647\}/,
     '... and it is counted as used');
