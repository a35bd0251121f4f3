# /resource_providers/{uuid}/usages and /usages (1.9+), as upstream, with
# consumer type grouping from 1.38.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

# ---- provider usages ----------------------------------------------------------------------
my $rp = new_rp();
my $rp2 = new_rp();
put_inv($rp, VCPU => { total => 16 }, MEMORY_MB => { total => 4096 }, DISK_GB => { total => 100 });
put_inv($rp2, VCPU => { total => 16 });
my $ghost = new_uuid();
run_cases(
    { t => 'usages with inventory but no allocations', m => 'GET',
      p => "/resource_providers/$rp/usages", v => '1.0', st => 200,
      hdr => { 'last-modified' => undef },
      json => sub { is_deeply($_[0], { resource_provider_generation => 1,
                                       usages => { VCPU => 0, MEMORY_MB => 0, DISK_GB => 0 } },
                              'zero per class') } },
    { t => 'usages of a provider without inventory', m => 'GET',
      p => '/resource_providers/' . new_rp() . '/usages', v => '1.0', st => 200,
      json => sub { is_deeply($_[0]{usages}, {}, 'empty') } },
    { t => 'usages of a missing provider 404', m => 'GET',
      p => "/resource_providers/$ghost/usages", v => '1.0', st => 404,
      detail => "No resource provider with uuid $ghost found" },
);

# Three consumers in two projects, two users, two consumer types.
my ($proj, $proj2) = (new_name('proj'), new_name('proj'));
my ($u1, $u2) = (new_name('user'), new_name('user'));
my ($c1, $c2, $c3, $c4) = map { new_uuid() } 1 .. 4;
allocate($c1, { $rp => { VCPU => 2, MEMORY_MB => 512 } }, project => $proj, user => $u1,
         type => 'INSTANCE');
allocate($c2, { $rp => { VCPU => 1 }, $rp2 => { VCPU => 4 } }, project => $proj, user => $u2,
         type => 'MIGRATION');
allocate($c3, { $rp => { DISK_GB => 10 } }, project => $proj2, user => $u1, type => 'INSTANCE');
# a consumer written before 1.38 has no type: "unknown"
{
    my $res = api(PUT => "/allocations/$c4", version => '1.28',
                  body => { allocations => { $rp => { resources => { VCPU => 1 } } },
                            project_id => $proj, user_id => $u1, consumer_generation => undef });
    is($res->code, 204, 'fixture: untyped consumer at 1.28');
}

run_cases(
    { t => 'provider usages sum the allocations', m => 'GET',
      p => "/resource_providers/$rp/usages", v => '1.15', st => 200,
      hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
      json => sub { is_deeply($_[0]{usages}, { VCPU => 4, MEMORY_MB => 512, DISK_GB => 10 },
                              'sums');
                    is($_[0]{resource_provider_generation}, 5,
                       'each of the four allocation writes bumped the generation') } },
    { t => 'second provider usages', m => 'GET', p => "/resource_providers/$rp2/usages",
      v => '1.39', st => 200, json => sub { is_deeply($_[0]{usages}, { VCPU => 4 }, 'sums') } },
);

# ---- /usages --------------------------------------------------------------------------------
run_cases(
    { t => '/usages at 1.8 404', m => 'GET', p => "/usages?project_id=$proj", v => '1.8',
      st => 404 },
    { t => '/usages without project_id 400', m => 'GET', p => '/usages', v => '1.9', st => 400,
      detail => "'project_id' is a required property" },
    { t => '/usages with empty project_id 400', m => 'GET', p => '/usages?project_id=', v => '1.9',
      st => 400, detail => "is too short" },
    { t => '/usages unknown key 400', m => 'GET', p => "/usages?project_id=$proj&pony=1",
      v => '1.9', st => 400, detail => "Additional properties are not allowed ('pony' was unexpected)" },
    { t => 'consumer_type before 1.38 400', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=INSTANCE", v => '1.37', st => 400,
      detail => "Additional properties are not allowed ('consumer_type' was unexpected)" },
    { t => '/usages by project at 1.9', m => 'GET', p => "/usages?project_id=$proj", v => '1.9',
      st => 200, hdr => { 'last-modified' => undef },
      json => sub { is_deeply($_[0], { usages => { VCPU => 8, MEMORY_MB => 512 } }, 'sums') } },
    { t => '/usages by project and user', m => 'GET',
      p => "/usages?project_id=$proj&user_id=$u1", v => '1.15', st => 200,
      hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
      json => sub { is_deeply($_[0], { usages => { VCPU => 3, MEMORY_MB => 512 } }, 'sums') } },
    { t => '/usages other project', m => 'GET', p => "/usages?project_id=$proj2", v => '1.9',
      st => 200, json => sub { is_deeply($_[0], { usages => { DISK_GB => 10 } }, 'sums') } },
    { t => '/usages unknown project', m => 'GET', p => '/usages?project_id=' . new_name('none'),
      v => '1.9', st => 200, json => sub { is_deeply($_[0], { usages => {} }, 'empty') } },
    { t => '/usages grouped by consumer type at 1.38', m => 'GET', p => "/usages?project_id=$proj",
      v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {
          INSTANCE  => { consumer_count => 1, VCPU => 2, MEMORY_MB => 512 },
          MIGRATION => { consumer_count => 1, VCPU => 5 },
          unknown   => { consumer_count => 1, VCPU => 1 } } }, 'grouped') } },
    { t => '/usages consumer_type=INSTANCE', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=INSTANCE", v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {
          INSTANCE => { consumer_count => 1, VCPU => 2, MEMORY_MB => 512 } } }, 'one type') } },
    { t => '/usages consumer_type=all', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=all", v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {
          all => { consumer_count => 3, VCPU => 8, MEMORY_MB => 512 } } }, 'all') } },
    { t => '/usages consumer_type=unknown', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=unknown", v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {
          unknown => { consumer_count => 1, VCPU => 1 } } }, 'unknown') } },
    { t => '/usages consumer_type and user', m => 'GET',
      p => "/usages?project_id=$proj&user_id=$u1&consumer_type=all", v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {
          all => { consumer_count => 2, VCPU => 3, MEMORY_MB => 512 } } }, 'all for a user') } },
    { t => '/usages bad consumer_type 400', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=instance", v => '1.38', st => 400,
      detail => "'instance' does not match" },
    { t => '/usages type without consumers', m => 'GET',
      p => "/usages?project_id=$proj&consumer_type=CUSTOM_NONE", v => '1.38', st => 200,
      json => sub { is_deeply($_[0], { usages => {} }, 'empty') } },
);

# Deleting an allocation lowers the usages.
check_case({ t => 'delete consumer c2', m => 'DELETE', p => "/allocations/$c2", v => '1.39',
             st => 204 });
run_cases(
    { t => 'provider usages after delete', m => 'GET', p => "/resource_providers/$rp2/usages",
      v => '1.39', st => 200, json => sub { is_deeply($_[0]{usages}, { VCPU => 0 }, 'zero') } },
    { t => '/usages after delete', m => 'GET', p => "/usages?project_id=$proj", v => '1.38',
      st => 200, json => sub { ok(!exists $_[0]{usages}{MIGRATION}, 'MIGRATION group gone') } },
);

done_testing();
