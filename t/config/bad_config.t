# Bad configuration stops httpd at start-up (`apache2 -t`) with a message
# naming the directive.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my $top = abs_path('.');
my $httpd = -x '/usr/sbin/apache2' ? '/usr/sbin/apache2' : 'httpd';
chomp(my $mods = `apxs -q LIBEXECDIR`);
my $dir = tempdir(CLEANUP => 1);

sub configtest {
    my ($directives) = @_;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot $dir
ServerName 127.0.0.1
Listen 127.0.0.1:1
PidFile $dir/httpd.pid
ErrorLog $dir/error.log
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule placement_module $top/.libs/mod_placement.so
PlacementDataDir $top
$directives
CONF
    close $fh;
    my $out = `$httpd -t -f $dir/httpd.conf 2>&1`;
    return ($? >> 8, $out);
}

sub write_file { open my $f, '>', $_[0] or die $!; print $f $_[1]; close $f }

my @cases = (
    ['PlacementDatabaseConnection "mysql+pymysql://u:p@db/placement?charset=utf8"', 0, qr/Syntax OK/],
    ['PlacementDatabaseConnection "postgresql://u:p@db/placement"', 1,
     qr/PlacementDatabaseConnection: invalid database URL/],
    ['PlacementDatabasePoolSize 0', 1, qr/PlacementDatabasePoolSize: '0' is not a whole number/],
    ['PlacementDatabasePoolTimeout x', 1, qr/PlacementDatabasePoolTimeout/],
    ['PlacementAuthStrategy kerberos', 1, qr/PlacementAuthStrategy: 'kerberos' is not one of/],
    ['PlacementMaxAllocationCandidates -2', 1, qr/PlacementMaxAllocationCandidates/],
    ['PlacementEnforceNewDefaults maybe', 1, qr/PlacementEnforceNewDefaults/],
    ["PlacementPolicyFile $dir/bad-policy.yaml", 1,
     qr/PlacementPolicyFile: .*bad-policy.yaml.*placement:resource_providers:list/],
    ["PlacementPolicyFile $dir/good-policy.yaml", 0, qr/Syntax OK/],
    ["PlacementPolicyFile $dir/missing.yaml", 1, qr/PlacementPolicyFile: .*missing.yaml/],
);
write_file("$dir/bad-policy.yaml", qq{"placement:resource_providers:list": "role:admin or"\n});
write_file("$dir/good-policy.yaml", qq{"placement:resource_providers:list": "role:reader"\n});

plan tests => 2 * @cases;
for my $c (@cases) {
    my ($line, $fails, $re) = @$c;
    my ($rc, $out) = configtest($line);
    is($rc != 0 ? 1 : 0, $fails, ($fails ? 'refused: ' : 'accepted: ') . $line);
    like($out, $re, '... with the message') or diag($out);
}
