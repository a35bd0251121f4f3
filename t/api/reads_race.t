# Readers against writers: t/race/race_reads.pl against this server (through
# the /placement mount) must find no torn read, at any endpoint that answers
# a generation with data (inventories, one inventory, traits, aggregates,
# a provider's allocations and usages, a consumer's allocations), nor in
# the provider list and allocation candidates filtered by what the writers
# change: exit 0, its full plan of 'ok' lines and no 'not ok'.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $script = 't/race/race_reads.pl';
plan skip_all => "$script missing" unless -f $script;
plan tests => 5;

my $cmd = join(' ', 'RACE_WRITERS=2', 'RACE_READERS=3', quotemeta($^X), $script,
               quotemeta(base_url()), 3) . ' 2>&1';
my $out = `$cmd`;
my ($rc, $sig) = ($? >> 8, $? & 127);
is($sig, 0, 'race script was not killed by a signal');
is($rc, 0, 'race script exited 0') or diag($out);
my ($plan) = $out =~ /^1\.\.(\d+)$/m;
is($plan, 18, 'race script planned 18 checks (9 endpoints)');
my @not = $out =~ /^not ok \d+.*$/mg;
my @ok = $out =~ /^ok \d+/mg;
is(scalar @ok, 18, 'all 18 race checks ok') or diag($out);
is(scalar @not, 0, 'no race check failed') or diag(join "\n", @not);
diag($1) if $out =~ /^# (torn reads: .*)$/m;
