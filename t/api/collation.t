# Projects, users and consumer types are found the way the database's
# unique key compares them (upstream's utf8_general_ci: "café" is "cafe",
# "BOB" is "bob"), as upstream's lookup does: a claim for "café" after
# one for "cafe" is the same project.  Before, the lookup keyed names in C
# (ASCII case only) and the INSERT of "café" hit the unique key: a 409.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

plan tests => 12;
my $V = '1.39';
my $tag = int(rand(1e9));

my $rp = new_rp();
put_inv($rp, DISK_GB => { total => 100 });

sub claim {
    my ($consumer, $project, $user) = @_;
    return api(PUT => "/allocations/$consumer", version => $V,
               body => { allocations => { $rp => { resources => { DISK_GB => 1 } } },
                         project_id => $project, user_id => $user,
                         consumer_generation => undef, consumer_type => 'INSTANCE' });
}

my ($c1, $c2) = (new_uuid(), new_uuid());
is(claim($c1, "cafe$tag", "bob$tag")->code, 204, 'claim for cafe/bob');
my $res = claim($c2, "café$tag", "böb$tag");
is($res->code, 204, 'claim for café/böb: 204') or diag($res->content);
my $a = json(api(GET => "/allocations/$c2", version => $V));
is($a->{project_id}, "cafe$tag", '... it is project cafe, as the key compares');
is($a->{user_id}, "bob$tag", '... and user bob');
$res = api(GET => "/usages?project_id=caf%C3%A9$tag", version => $V);
is(json($res)->{usages}{INSTANCE}{consumer_count}, 2, 'usages of café count both consumers');

# both spellings new in one request
my ($c3, $c4) = (new_uuid(), new_uuid());
$res = api(POST => '/allocations', version => $V, body => {
    $c3 => { allocations => { $rp => { resources => { DISK_GB => 1 } } },
             project_id => "Zoé$tag", user_id => "x$tag", consumer_generation => undef,
             consumer_type => 'INSTANCE' },
    $c4 => { allocations => { $rp => { resources => { DISK_GB => 1 } } },
             project_id => "zoe$tag", user_id => "X$tag", consumer_generation => undef,
             consumer_type => 'INSTANCE' } });
is($res->code, 204, 'one request with Zoé and zoe, x and X: 204') or diag($res->content);
my ($p3, $p4) = map { json(api(GET => "/allocations/$_", version => $V))->{project_id} } $c3, $c4;
ok(defined $p3 && $p3 eq ($p4 // ''), "... one project for both ($p3)");
is(lc($p3 =~ s/é/e/r), "zoe$tag", '... spelt as one of them');

# a claim moving a consumer to a collation-equal project keeps it
$res = api(PUT => "/allocations/$c1", version => $V,
           body => { allocations => { $rp => { resources => { DISK_GB => 2 } } },
                     project_id => "CAFÉ$tag", user_id => "BOB$tag",
                     consumer_generation => 1, consumer_type => 'INSTANCE' });
is($res->code, 204, 'PUT again as CAFÉ/BOB: 204') or diag($res->content);
$a = json(api(GET => "/allocations/$c1", version => $V));
is($a->{project_id}, "cafe$tag", '... still project cafe');
# different after all: distinct rows
my $c5 = new_uuid();
is(claim($c5, "cafè$tag-2", "bob$tag-2")->code, 204, 'a different project still claims');
is(json(api(GET => "/allocations/$c5", version => $V))->{project_id}, "cafè$tag-2",
   '... under its own name');
