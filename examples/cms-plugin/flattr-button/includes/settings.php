<?php
/**
 * Settings → Flattr: the service, the author's account id there (for the ownership proof), the name shown
 * as the creator, size, counts and whether a button follows every post. Stored as one option.
 */

defined( 'ABSPATH' ) || exit;

/** The saved settings, with defaults. */
function flattr_button_settings() {
	$defaults = array(
		'api'           => '',
		'owner'         => '',
		'creator'       => '',
		'size'          => 'compact',
		'show_count'    => true,
		'after_content' => true,
	);
	return wp_parse_args( (array) get_option( FLATTR_BUTTON_OPTION, array() ), $defaults );
}

/** The service origin without a trailing slash, or '' until a valid http(s) URL is saved. */
function flattr_button_api() {
	$api = untrailingslashit( esc_url_raw( flattr_button_settings()['api'], array( 'http', 'https' ) ) );
	return $api ? $api : '';
}

/** A Flattr account id: the 24 hexadecimal digits the service shows (its user ids are MongoDB ObjectIds). */
function flattr_button_is_account_id( $value ) {
	return is_string( $value ) && 1 === preg_match( '/^[0-9a-f]{24}$/i', $value );
}

/** An http(s) URL with a host and nothing a base address cannot have (query, fragment, credentials). */
function flattr_button_is_service_url( $value ) {
	$parts = wp_parse_url( $value );
	return is_array( $parts )
		&& in_array( strtolower( $parts['scheme'] ?? '' ), array( 'http', 'https' ), true )
		&& ! empty( $parts['host'] )
		&& ! isset( $parts['fragment'] ) && ! isset( $parts['user'] ) && ! isset( $parts['query'] );
}

/**
 * Cleans the submitted form. A bad value is refused with a message and the saved one is kept, so a typo
 * never silently switches the buttons off.
 *
 * @param mixed $input The submitted flattr_button[...] fields.
 */
function flattr_button_sanitize_settings( $input ) {
	$input    = is_array( $input ) ? $input : array();
	$previous = flattr_button_settings();
	$clean    = $previous;

	$api = trim( (string) ( $input['api'] ?? '' ) );
	if ( '' === $api ) {
		$clean['api'] = '';
	} elseif ( flattr_button_is_service_url( $api ) ) {
		$clean['api'] = untrailingslashit( esc_url_raw( $api, array( 'http', 'https' ) ) );
	} else {
		add_settings_error( FLATTR_BUTTON_OPTION, 'flattr-api', __( 'The Flattr service must be an http:// or https:// address, e.g. https://flattr.example.', 'flattr-button' ) );
	}

	$owner = trim( (string) ( $input['owner'] ?? '' ) );
	if ( '' === $owner || flattr_button_is_account_id( $owner ) ) {
		$clean['owner'] = strtolower( $owner );
	} else {
		add_settings_error( FLATTR_BUTTON_OPTION, 'flattr-owner', __( 'Your Flattr account id is 24 characters of 0–9 and a–f, as the service shows it when you add your site.', 'flattr-button' ) );
	}

	$clean['creator']       = sanitize_text_field( (string) ( $input['creator'] ?? '' ) );
	$clean['size']          = in_array( $input['size'] ?? '', array( 'compact', 'large' ), true ) ? $input['size'] : 'compact';
	$clean['show_count']    = ! empty( $input['show_count'] );
	$clean['after_content'] = ! empty( $input['after_content'] );
	return $clean;
}

add_action(
	'admin_init',
	function () {
		register_setting(
			'flattr_button',
			FLATTR_BUTTON_OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => 'flattr_button_sanitize_settings',
			)
		);
	}
);

add_action(
	'admin_menu',
	function () {
		add_options_page( __( 'Flattr', 'flattr-button' ), __( 'Flattr', 'flattr-button' ), 'manage_options', 'flattr-button', 'flattr_button_settings_page' );
	}
);

/* A "Settings" link beside Deactivate on the Plugins screen. */
add_filter(
	'plugin_action_links_' . plugin_basename( dirname( __DIR__ ) . '/flattr-button.php' ),
	function ( $links ) {
		$url = admin_url( 'options-general.php?page=flattr-button' );
		array_unshift( $links, sprintf( '<a href="%s">%s</a>', esc_url( $url ), esc_html__( 'Settings', 'flattr-button' ) ) );
		return $links;
	}
);

function flattr_button_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$s    = flattr_button_settings();
	$name = FLATTR_BUTTON_OPTION;
	?>
	<div class="wrap">
		<h1><?php esc_html_e( 'Flattr', 'flattr-button' ); ?></h1>
		<form method="post" action="options.php">
			<?php settings_fields( 'flattr_button' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="flattr-api"><?php esc_html_e( 'Flattr service', 'flattr-button' ); ?></label></th>
					<td>
						<input id="flattr-api" class="regular-text" type="url" name="<?php echo esc_attr( $name ); ?>[api]" value="<?php echo esc_attr( $s['api'] ); ?>" placeholder="https://flattr.example">
						<p class="description"><?php esc_html_e( 'The address of the Flattr service your readers use. Buttons appear once it is set.', 'flattr-button' ); ?></p>
					</td>
				</tr>
				<tr>
					<th scope="row"><label for="flattr-owner"><?php esc_html_e( 'Your Flattr account id', 'flattr-button' ); ?></label></th>
					<td>
						<input id="flattr-owner" class="regular-text code" type="text" name="<?php echo esc_attr( $name ); ?>[owner]" value="<?php echo esc_attr( $s['owner'] ); ?>" pattern="[0-9a-fA-F]{24}" spellcheck="false" aria-describedby="flattr-owner-description">
						<p class="description" id="flattr-owner-description"><?php esc_html_e( 'Printed as <meta name="flattr:owner"> on every page, so the service can check that this site is yours and pay you what readers give to its posts.', 'flattr-button' ); ?></p>
					</td>
				</tr>
				<tr>
					<th scope="row"><label for="flattr-creator"><?php esc_html_e( 'Your name on the service', 'flattr-button' ); ?></label></th>
					<td><input id="flattr-creator" class="regular-text" type="text" name="<?php echo esc_attr( $name ); ?>[creator]" value="<?php echo esc_attr( $s['creator'] ); ?>"></td>
				</tr>
				<tr>
					<th scope="row"><label for="flattr-size"><?php esc_html_e( 'Button size', 'flattr-button' ); ?></label></th>
					<td>
						<select id="flattr-size" name="<?php echo esc_attr( $name ); ?>[size]">
							<option value="compact" <?php selected( $s['size'], 'compact' ); ?>><?php esc_html_e( 'Compact', 'flattr-button' ); ?></option>
							<option value="large" <?php selected( $s['size'], 'large' ); ?>><?php esc_html_e( 'Large', 'flattr-button' ); ?></option>
						</select>
					</td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Display', 'flattr-button' ); ?></th>
					<td>
						<label><input type="checkbox" name="<?php echo esc_attr( $name ); ?>[show_count]" value="1" <?php checked( $s['show_count'] ); ?>> <?php esc_html_e( 'Show the flattr count', 'flattr-button' ); ?></label><br>
						<label><input type="checkbox" name="<?php echo esc_attr( $name ); ?>[after_content]" value="1" <?php checked( $s['after_content'] ); ?>> <?php esc_html_e( 'Add a button after every post', 'flattr-button' ); ?></label>
					</td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}
